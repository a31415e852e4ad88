// Runs the rules as consumers of the log: each event, in log order, to each rule that subscribed,
// with the rule's outputs and its position committed in the same transaction.
import type { Clock } from '../clock.ts';
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';
import { derivedId } from '../events/ids.ts';
import type { Committer } from '../log/committer.ts';
import type { EventStore } from '../log/event-store.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { FiredTimer, RuleContext, RuleDefinition } from '../sdk/rule.ts';
import { Invocation, StateAccess, type InvocationScope } from './invocation.ts';
import { activeRule, type ActiveRule, type LoadedRule, type RuleStats } from './active-rule.ts';
import { runQueued, startRun } from './run-modes.ts';
import type { RuleStore } from './rule-store.ts';
import type { RuleSandbox } from './sandbox/sandbox.ts';
import { parseTriggerTimer, triggerTimerName, type CompiledTrigger } from './triggers/index.ts';
import type { TriggerRuntime } from './triggers/runtime.ts';

export type { LoadedRule, RuleStats } from './active-rule.ts';

export interface RuleEngineDeps {
  committer: Committer;
  events: EventStore;
  store: RuleStore;
  registry: DeviceRegistry;
  clock: Clock;
  /** CloudEvents source prefix of this site, e.g. "/sites/home". */
  sourceBase: string;
  log: RuleContext['log'] & { error(message: string, details?: Record<string, unknown>): void };
  /** Derived events deeper than this below one root fact are dropped and recorded. Default 8. */
  maxCascadeDepth?: number;
  /** Time zone of schedules that name none. Default: the system's. */
  timezone?: string;
  /** Runs the functions of isolated rules in a worker (see sandbox/sandbox.ts). Default: all inline. */
  sandbox?: Pick<RuleSandbox, 'isolate'>;
}

export interface RuleEngine {
  /**
   * Replaces the running rules (at start, and on hot reload). A rule never seen before starts at the
   * end of the log; a known one resumes from its position with its state and timers. Activations and
   * deactivations are recorded as events.
   */
  setRules(rules: LoadedRule[]): void;
  /** Runs inside the committer's transaction (it is the committer's processor). */
  process(fresh: LoggedEvent[]): void;
  /**
   * Processes what rules have not seen yet (after a restart, or a rule re-added while running), in
   * bounded transactions. setRules starts it by itself when a rule is behind; this awaits it.
   */
  catchUp(batchSize?: number): Promise<void>;
  stats(): Map<string, RuleStats & { version: string; position: number }>;
  /** Makes the next commit write every rule's position (a clean stop). */
  persistPositions(): void;
  /**
   * After a transaction was stopped by the time limit: strikes the rule that was running if it ran
   * for at least half the limit itself (its event is skipped from now on; after three strikes the
   * rule is disabled). True when the work may be retried; false when no rule was running.
   */
  strike(limitMs: number): boolean;
}

/** Strikes after which a rule that keeps running past the time limit is disabled. */
const MAX_STRIKES = 3;
/** How far a rule's written position may trail its real one (events it had nothing to do with). */
const POSITION_SLACK = 1000;

const BACKLOG_BATCH = 1000;
/** For the event types a rule has no trigger on (most): one array, not a new empty one per event. */
const NO_TRIGGERS: readonly CompiledTrigger[] = [];

const disabledNote = (rule: ActiveRule): string => (rule.stats.disabled ? ', and the rule is disabled after repeated strikes' : '');


export function createRuleEngine(deps: RuleEngineDeps): RuleEngine {
  const { committer, events, store, registry, clock, log } = deps;
  const maxDepth = deps.maxCascadeDepth ?? 8;
  let rules: ActiveRule[] = [];
  // Cascade depth of events appended in the current transaction (root facts are 0).
  const depth = new Map<string, number>();
  const invocationDeps = { store, registry, log };
  // The invocation running now: when the time limit stops a transaction, this names the culprit.
  let running: { rule: ActiveRule; eventId: string; startedAt: number } | undefined;
  // (rule, event) pairs that ran past the time limit: skipped, with a recorded failure.
  const stuck = new Map<string, number>();
  let catchingUp: Promise<void> | undefined;

  // A rule's position must commit with anything the rule did. Where it did nothing (the events were
  // not for it, or its handler changed nothing), writing the position can wait: after a crash it
  // would look at those events again and again do nothing. That saves a row write per rule per
  // commit; the position is still written at least every POSITION_SLACK events and on a clean stop.
  let persistAll = false;
  committer.beforeCommit(() => {
    for (const r of rules) {
      if (r.position !== r.persisted && (r.dirty || persistAll || r.position - r.persisted >= POSITION_SLACK)) {
        store.setPosition(r.name, r.position, r.version);
        r.persisted = r.position;
      }
    }
    persistAll = false;
    depth.clear();
  });
  committer.onRollback(() => {
    for (const r of rules) {
      r.position = r.committed;
      r.dirty = false;
      r.persisted = Math.min(r.persisted, r.committed);
    }
    depth.clear();
  });
  committer.afterCommit(() => {
    for (const r of rules) {
      r.committed = r.position;
      r.dirty = false;
    }
  });

  function run(event: LoggedEvent, catchingUp = false): void {
    for (const rule of rules) {
      if (rule.position >= event.seq || (rule.lagging && !catchingUp)) continue;
      rule.position = event.seq;
      if (rule.stats.disabled) continue;
      if (event.type === 'timer.fired') {
        const t = event.data as EventData<'timer.fired'>;
        if (t.rule === rule.name) onTimer(rule, event, t);
        continue;
      }
      if (event.replayed && !rule.definition.acceptReplayed) continue;
      const handler = rule.handlers[event.type];
      if (handler) {
        const key = rule.keyOf(event);
        if (key !== undefined) invoke(rule, event, key, 'on', (inv) => startRun(store, rule, inv, { kind: 'event', id: event.id }, () => handler(event, inv)));
      }
      for (const trigger of rule.triggersByType.get(event.type) ?? NO_TRIGGERS) {
        const key = trigger.keyOf(event);
        if (key !== undefined) invoke(rule, event, key, `trigger:${trigger.name}`, (inv) => trigger.logic.onEvent!(event, runtime(rule, trigger, inv, 0)));
      }
    }
  }

  function onTimer(rule: ActiveRule, event: LoggedEvent, t: EventData<'timer.fired'>): void {
    const dueAt = Date.parse(t.dueAt);
    const parsed = parseTriggerTimer(t.name);
    if (parsed) {
      const trigger = rule.triggers.find((tr) => tr.name === parsed.trigger);
      // A trigger removed by a new version of the rule leaves nothing to run.
      if (!trigger?.logic.onTimer) return;
      invoke(rule, event, t.key, `trigger:${trigger.name}`, (inv) => trigger.logic.onTimer!({ name: parsed.timer, dueAt, lateMs: t.lateMs }, runtime(rule, trigger, inv, t.lateMs)));
      return;
    }
    const handler = rule.definition.timers?.[t.name];
    const fired: FiredTimer = { name: t.name, key: t.key, data: t.data, dueAt: new Date(dueAt), lateMs: t.lateMs };
    const ok = invoke(rule, event, t.key, `timer:${t.name}`, (inv) => {
      if (!handler) throw new Error(`timer "${t.name}" fired but the rule has no timers.${t.name} handler`);
      handler(fired, inv);
    });
    if (ok && rule.runMode === 'queue') runQueued({ store, byId: events.byId }, rule, t.key, (body) => invoke(rule, event, t.key, 'queued', body));
  }

  /** What a trigger's logic sees: its own state slot and timers for the key, and `fire`. */
  function runtime(rule: ActiveRule, trigger: CompiledTrigger, inv: Invocation, lateMs: number): TriggerRuntime {
    const state = new StateAccess(inv, `trigger:${trigger.name}:${inv.key}`);
    return {
      key: inv.key,
      now: inv.scope.now,
      getState: () => state.get(),
      setState: (v) => state.set(v),
      clearState: () => state.delete(),
      setTimer: (name, dueAt) => inv.setTimerAt(triggerTimerName(trigger.name, name), dueAt),
      cancelTimer: (name) => void inv.timerChanges.set(triggerTimerName(trigger.name, name), null),
      pendingTimer: (name) => inv.pendingTimer(triggerTimerName(trigger.name, name)),
      fire(data) {
        const fired = { ...data, trigger: trigger.name, key: inv.key, lateMs };
        if (lateMs > trigger.lateAfter && trigger.ifLate === 'skip') {
          inv.push('trigger.skipped', { rule: rule.name, trigger: trigger.name, key: inv.key, lateMs }, inv.key, undefined);
          return;
        }
        startRun(store, rule, inv, { kind: 'fire', trigger: trigger.name, fired }, () => trigger.spec.run(fired as never, inv));
      },
    };
  }

  /** Runs `body` as one invocation of `rule`; applies its outputs only if it returned normally. */
  function invoke(rule: ActiveRule, cause: LoggedEvent, key: string, part: string, body: (inv: Invocation) => unknown): boolean {
    const scope: InvocationScope = {
      rule: rule.name,
      version: rule.version,
      options: rule.options,
      source: rule.source,
      key,
      now: clock.now(),
      cause,
      part,
    };
    const limitMs = stuck.get(`${rule.name}\u0000${cause.id}`);
    if (limitMs !== undefined) {
      recordFailure(rule, cause, scope.now, `stopped: ran longer than the ${limitMs} ms time limit (a loop?); the event is skipped${disabledNote(rule)}`);
      return false;
    }
    const inv = new Invocation(scope, invocationDeps);
    rule.stats.runs++;
    rule.stats.lastRunAt = scope.now;
    running = { rule, eventId: cause.id, startedAt: performance.now() };
    let failure: string | undefined;
    let rateLimited = false;
    try {
      const started = performance.now();
      const result = body(inv);
      running = undefined;
      rule.stats.busyMs += performance.now() - started;
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        failure = 'handler returned a promise: handlers must be synchronous (they record actions; the engine performs them)';
      }
      const d = (depth.get(cause.id) ?? 0) + 1;
      if (!failure && inv.events.length > 0 && d > maxDepth) {
        failure = `cascade deeper than ${maxDepth} events below one fact: outputs dropped (does the rule react to its own events?)`;
      }
      if (!failure && inv.events.length > 0 && !rule.budget.take(inv.events.length, scope.now)) {
        failure = `emitted more than ${rule.budget.limit} events in one second: outputs dropped, rule flagged`;
        rule.stats.flagged = true;
        rateLimited = true;
      }
      if (!failure) {
        if (inv.hasEffects) rule.dirty = true;
        inv.apply(store);
        for (const out of inv.events) if (committer.append(out)) depth.set(out.id, d);
        return true;
      }
    } catch (err) {
      running = undefined;
      failure = err instanceof Error ? err.message : String(err);
      // Stopped in its worker (time limit, memory): struck like a rule stopped in the gateway's thread.
      if ((err as { code?: unknown } | null)?.code === 'FL_RULE_STOPPED') {
        strikeRule(rule, cause.id, 'rule stopped in its worker');
        failure += disabledNote(rule);
      }
    }
    // An emit storm is recorded once per second, not once per dropped run.
    const silent = rateLimited && rule.budget.refused > 1;
    recordFailure(rule, cause, scope.now, failure!, silent);
    return false;
  }

  /** Counts a strike against a rule that was stopped; the third disables it until a new version. */
  function strikeRule(rule: ActiveRule, eventId: string, message: string): void {
    rule.stats.strikes++;
    if (rule.stats.strikes >= MAX_STRIKES) rule.stats.disabled = true;
    log.error(message, { rule: rule.name, event: eventId, strikes: rule.stats.strikes, disabled: rule.stats.disabled });
  }

  // Isolated: the failure is recorded as an event, the rule moves past the event, others go on.
  function recordFailure(rule: ActiveRule, event: LoggedEvent, now: number, error: string, silent = false): void {
    rule.dirty = true;
    rule.stats.failures++;
    rule.stats.lastError = error;
    if (silent || !rule.failureBudget.take(1, now)) {
      rule.stats.unrecordedFailures++;
      return;
    }
    log.warn('rule failed', { rule: rule.name, event: event.id, type: event.type, error });
    committer.append({
      id: derivedId(Date.parse(event.time), rule.name, 'failed', event.source, event.id),
      source: rule.source,
      type: 'rule.failed',
      time: new Date(now).toISOString(),
      partitionkey: event.partitionkey,
      causationid: event.id,
      correlationid: event.correlationid ?? event.id,
      ruleversion: rule.version,
      data: { rule: rule.name, version: rule.version, eventId: event.id, eventType: event.type, error },
    });
  }

  function activate(changes: Array<{ rule: ActiveRule; previousVersion?: string | undefined }>, removed: ActiveRule[], at: number): void {
    const time = new Date(at).toISOString();
    const cause = (name: string, type: string, version: string): Pick<LoggedEvent, 'id' | 'source'> => ({
      id: derivedId(at, name, type, version),
      source: `${deps.sourceBase}/rules/${encodeURIComponent(name)}`,
    });
    for (const r of removed) {
      committer.append({ ...cause(r.name, 'deactivated', r.version), type: 'rule.deactivated', time, data: { rule: r.name, version: r.version } });
    }
    for (const { rule, previousVersion } of changes) {
      const activated = committer.append({
        ...cause(rule.name, 'activated', rule.version),
        type: 'rule.activated',
        time,
        ruleversion: rule.version,
        data: { rule: rule.name, version: rule.version, previousVersion, file: rule.file },
      });
      if (!activated) continue;
      for (const trigger of rule.triggers) {
        if (trigger.logic.onActivate) invoke(rule, activated, '', `trigger:${trigger.name}`, (inv) => trigger.logic.onActivate!(runtime(rule, trigger, inv, 0)));
      }
    }
  }

  return {
    setRules(given) {
      const loaded = deps.sandbox ? deps.sandbox.isolate(given) : given;
      const head = events.head();
      const previous = new Map(rules.map((r) => [r.name, r]));
      const next = loaded.map((l) => {
        const name = l.definition.name;
        const known = previous.get(name);
        const position = known?.committed ?? store.position(name) ?? head;
        // A new version of a disabled rule gets another chance.
        const stats = known && known.version !== l.version ? { ...known.stats, strikes: 0, disabled: false } : known?.stats;
        return activeRule(l, { sourceBase: deps.sourceBase, timezone: deps.timezone, position, stats });
      });
      const names = new Set(next.map((r) => r.name));
      const removed = rules.filter((r) => !names.has(r.name));
      const changes = next
        .map((rule) => ({ rule, previousVersion: previous.get(rule.name)?.version ?? store.version(rule.name) }))
        .filter((c) => c.previousVersion !== c.rule.version);
      // A new rule starts at the end of the log; record that so a restart does not move it.
      for (const r of next) if (store.position(r.name) === undefined) store.setPosition(r.name, r.position, r.version);
      rules = next;
      for (const r of rules) r.lagging = r.committed < head;
      if (changes.length > 0 || removed.length > 0) committer.submit({ write: () => activate(changes, removed, clock.now()) });
      if (rules.some((r) => r.lagging)) void this.catchUp().catch((err: unknown) => log.error('catching up failed', { err: String(err) }));
    },
    process(fresh) {
      // `fresh` grows while rules append; walk it to its end.
      for (let i = 0; i < fresh.length; i++) run(fresh[i]!);
    },
    catchUp(batchSize = BACKLOG_BATCH) {
      catchingUp ??= (async () => {
        try {
          await committer.settled();
          for (;;) {
            const behind = rules.filter((r) => r.lagging);
            if (behind.length === 0) return;
            const from = Math.min(...behind.map((r) => r.committed));
            // Checked and cleared synchronously: no transaction can slip in between.
            if (from >= events.head()) {
              for (const r of behind) r.lagging = false;
              return;
            }
            const backlog = events.after(from, batchSize);
            committer.submit({ write: () => backlog.forEach((e) => run(e, true)) });
            await committer.settled();
            if (behind.every((r) => r.committed < backlog.at(-1)!.seq)) {
              throw new Error('rules did not advance while catching up (the commit failed)');
            }
          }
        } finally {
          catchingUp = undefined;
        }
      })();
      return catchingUp;
    },
    stats() {
      return new Map(rules.map((r) => [r.name, { ...r.stats, version: r.version, position: r.committed }]));
    },
    persistPositions() {
      persistAll = true;
    },
    strike(limitMs) {
      const culprit = running;
      running = undefined;
      if (!culprit) return false;
      // Only a handler that itself ran for most of the limit is the culprit; otherwise the machine
      // (or a huge batch) was slow, and the work is simply tried again, striking no one.
      if (performance.now() - culprit.startedAt < limitMs / 2) {
        log.warn('a transaction ran past the time limit, but no rule was stuck: retrying', { rule: culprit.rule.name });
        return true;
      }
      const { rule, eventId } = culprit;
      stuck.set(`${rule.name}\u0000${eventId}`, limitMs);
      strikeRule(rule, eventId, 'rule stopped by the time limit');
      return true;
    },
  };
}

export type { RuleDefinition };
