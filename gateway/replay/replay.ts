// A dry run of one rule over stored history, on virtual time: the window's events are fed, in log
// order, to the rule in an in-memory core; nothing is published and nothing is written to the live log.
import { createCore } from '../core.ts';
import { activeRule } from '../engine/active-rule.ts';
import type { LoadedRule } from '../engine/rule-engine.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';
import { openDatabase } from '../log/database.ts';
import type { DeviceAdapter } from '../sdk/device.ts';
import type { LiveLog, Window } from './live-log.ts';
import { ReplayClock } from './replay-clock.ts';

export interface ReplayOptions {
  live: LiveLog;
  rule: LoadedRule;
  window: Window;
  /** Start of the window (ms): the rule is activated then, with no state and no timers. */
  since: number;
  /** Timers due up to here fire after the window's last event. Default: that event's time. */
  until?: number | undefined;
  adapters: readonly DeviceAdapter[];
  /** "/sites/<site>" as the live gateway wrote it: the rule's outputs and timers are named after it. */
  sourceBase: string;
  timezone?: string | undefined;
  maxCommandAgeMs: number;
}

export interface ReplayResult {
  /** What the replayed rule emitted and commanded (rule.failed included), in order. */
  outputs: LoggedEvent[];
  /** What the rule of the same name appended to the live log in the window. */
  liveOutputs: LoggedEvent[];
  /** Events of the window given to the rule (those of types it reacts to). */
  fed: number;
  /** The rule's own recorded events left out of the feed (its outputs and timer firings). */
  ownLeftOut: number;
  /** The in-memory log of the dry run, to look up what outputs were caused by. Close with `close`. */
  byId(id: string): LoggedEvent | undefined;
  close(): void;
}

/** Live and replayed due times closer than this are the same timer set at the same moment. */
const SAME_TIMER_MS = 1000;

/** Types the engine itself records about a rule: not outputs of the rule's logic. */
const LIFECYCLE = new Set(['timer.fired', 'rule.activated', 'rule.deactivated']);

export async function replayRule(o: ReplayOptions): Promise<ReplayResult> {
  const name = o.rule.definition.name;
  const ruleSource = `${o.sourceBase}/rules/${encodeURIComponent(name)}`;
  const reactsTo = subscribedTypes(o.rule, o.sourceBase, o.timezone);

  const db = openDatabase({ file: ':memory:' });
  // The devices the live gateway knows, so ctx.devices answers as it would have.
  const putDevice = db.prepare('INSERT INTO devices (name, info) VALUES (?, ?)');
  for (const d of o.live.devices()) putDevice.run(d.name, d.info);

  const clock = new ReplayClock(o.since);
  const core = createCore({
    db,
    clock,
    adapters: o.adapters,
    sourceBase: o.sourceBase,
    log: { info() {}, warn() {}, error() {} },
    // A dry run: the actuator is told each command went out; nothing is sent anywhere.
    publish: (_message, done) => done(null),
    maxPayloadBytes: Number.MAX_SAFE_INTEGER,
    maxCommandAgeMs: o.maxCommandAgeMs,
    timezone: o.timezone,
    // Nothing waits on I/O in a dry run: commit at the end of the current step, not a loop turn later.
    schedule: queueMicrotask,
  });
  const settle = (): Promise<void> => core.committer.settled();
  await core.start([o.rule]);

  /**
   * Fires the rule's timers whose moment has come by `t`. A timer the live gateway also fired (the
   * same setter, name and key, due within a second of the replay's due time) fires as late as it did
   * live, so what a handler computes from `now` comes out the same; any other fires when it is due.
   */
  async function fireTimersUntil(t: number): Promise<void> {
    for (;;) {
      const due = clock.nextDue();
      if (due === undefined) return;
      const at = firingMoment(due);
      if (at > t) return;
      clock.runNext(at);
      await settle();
    }
  }
  function firingMoment(due: number): number {
    if (core.ruleStore.nextDue() !== due) return due;
    const late = core.ruleStore
      .pendingTimers()
      .filter((r) => r.due_at === due)
      .map((r) => o.live.fired({ rule: r.rule, key: r.key, name: r.name, setBy: r.set_by }, o.sourceBase))
      // Live, the timer was set when the gateway handled its cause, a few ms after the cause's time
      // (which is when the replay sets it): the same timer is due a little later there.
      .filter((f) => f !== undefined && Math.abs(f.dueAt - due) < SAME_TIMER_MS)
      .map((f) => f!.firedAt - f!.dueAt);
    return late.length > 0 ? due + Math.max(0, Math.min(...late)) : due;
  }

  const liveOutputs: LoggedEvent[] = [];
  let fed = 0;
  let ownLeftOut = 0;
  let lastTime = o.since;
  // Events the live gateway handled at the same moment share one transaction, as they did live.
  let group: NewEvent[] = [];
  let groupAt = -Infinity;
  const flushGroup = async (): Promise<void> => {
    if (group.length === 0) return;
    const events = group;
    group = [];
    await fireTimersUntil(groupAt);
    clock.moveTo(groupAt);
    core.committer.submit({ write: () => events.forEach((e) => core.committer.append(e)) });
    await settle();
  };

  for (const e of o.live.events(o.window, (type, source) => source === ruleSource || reactsTo(type))) {
    lastTime = Math.max(lastTime, Date.parse(e.time));
    if (e.source === ruleSource) {
      // The rule's own past: its outputs are what the replay is compared with, and its timer firings
      // are the replay's to make. Events derived by other rules are fed as recorded.
      ownLeftOut++;
      if (!LIFECYCLE.has(e.type)) liveOutputs.push(e);
      continue;
    }
    const at = Math.max(clock.now(), o.live.handledAt(e.id, o.sourceBase) ?? Date.parse(e.time));
    if (at !== groupAt || group.length >= 500) await flushGroup();
    groupAt = at;
    const { seq: _seq, ...event } = e;
    group.push(event);
    fed++;
  }
  await flushGroup();
  await fireTimersUntil(o.until ?? lastTime);
  clock.moveTo(o.until ?? lastTime);
  await settle();

  const outputs = core.events.query({ source: ruleSource }).filter((e) => !LIFECYCLE.has(e.type));
  return {
    outputs,
    liveOutputs,
    fed,
    ownLeftOut,
    byId: (id) => core.events.byId(id),
    close() {
      core.scheduler.stop();
      db.close();
    },
  };
}

/** Which event types reach the rule: its handlers' and its triggers'. */
function subscribedTypes(rule: LoadedRule, sourceBase: string, timezone: string | undefined): (type: string) => boolean {
  const compiled = activeRule(rule, { sourceBase, timezone, position: 0 });
  const types = new Set([...Object.keys(compiled.handlers), ...compiled.triggersByType.keys()]);
  return (type) => types.has(type);
}
