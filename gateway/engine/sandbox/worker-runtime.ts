// Runs inside the rule worker: serves run requests for the bundled rules, recording what each handler
// asks of its context so that the engine can replay it on the real one, inside the commit.
import { workerData } from 'node:worker_threads';
import type { FiredTimer, RuleContext, RuleDefinition } from '../../sdk/rule.ts';
import type { TriggerSpec } from '../../sdk/triggers.ts';
import { Channel, Turn, type AskRequest, type RecordedCall, type RunReply, type RunRequest } from './channel.ts';

/** How long the worker spins for the next request after a reply before it sleeps (idle costs nothing). */
const SPIN_FOR_NEXT_US = 50;
/** How long it spins for the engine's answer to ctx.devices. */
const SPIN_FOR_ANSWER_US = 100;

/** Entry point of the generated bundle: loads the rules, then serves requests while the worker lives. */
export async function serve(loaders: Array<() => Promise<{ default?: unknown }>>): Promise<void> {
  const channel = new Channel(workerData.memory);
  const files: string[] = workerData.files;
  const options: unknown[] = workerData.options;
  const rules: { definition: RuleDefinition; triggers: TriggerSpec[] }[] = [];
  for (const [i, load] of loaders.entries()) {
    try {
      const definition = (await load()).default as RuleDefinition;
      const triggers = typeof definition.triggers === 'function' ? definition.triggers(options[i] as never) : (definition.triggers ?? []);
      rules.push({ definition, triggers });
    } catch (err) {
      channel.send(`${files[i]}: ${err instanceof Error ? err.message : String(err)}`, Turn.LoadFailed);
      return;
    }
  }
  // Serve from a macrotask, so that the worker's event loop has started: the engine reads the
  // loop's timing to tell a worker that died (out of memory) from one that is busy.
  setImmediate(() => {
    channel.send(null, Turn.Ready);
    for (;;) {
      // Wait on the value just read: re-reading it for the wait could see the next Request already
      // there and then sleep on it, missing its notify.
      // Spinning a little first: within a commit, the next request follows the last reply closely.
      for (let turn = channel.turn; turn !== Turn.Request; turn = channel.turn) channel.waitWhile(turn, Infinity, SPIN_FOR_NEXT_US);
      let reply: RunReply;
      try {
        reply = { ok: true, calls: run(rules, channel, channel.read<RunRequest>()) };
      } catch (err) {
        reply = { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
      try {
        channel.send(reply, Turn.Reply);
      } catch (err) {
        channel.send({ ok: false, error: `its outputs could not be passed on: ${(err as Error).message}` }, Turn.Reply);
      }
    }
  });
}

function run(rules: { definition: RuleDefinition; triggers: TriggerSpec[] }[], channel: Channel, req: RunRequest): RecordedCall[] {
  const rule = rules[req.rule];
  if (!rule) throw new Error(`no rule ${req.rule} in the worker`);
  const calls: RecordedCall[] = [];
  const ctx = recordingContext(req, calls, channel);
  const t = req.target;
  let result: unknown;
  if (t.kind === 'on') {
    const handler = rule.definition.on?.[t.type as never] as ((e: unknown, c: RuleContext) => unknown) | undefined;
    if (!handler) throw new Error(`the rule has no handler for ${t.type} in its worker`);
    result = handler(req.arg, ctx);
  } else if (t.kind === 'timer') {
    const fired = req.arg as FiredTimer & { dueAt: number };
    const handler = rule.definition.timers?.[t.name];
    if (!handler) throw new Error(`timer "${t.name}" fired but the rule has no timers.${t.name} handler`);
    result = handler({ ...fired, dueAt: new Date(fired.dueAt) }, ctx);
  } else {
    const trigger = rule.triggers[t.index];
    if (!trigger) throw new Error(`the rule has no trigger ${t.index} in its worker`);
    result = trigger.run(req.arg as never, ctx);
  }
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    throw new Error('handler returned a promise: handlers must be synchronous (they record actions; the engine performs them)');
  }
  return calls;
}

const NONE = Symbol('none');

/** A context that records instead of acting; reads come from the request or, for devices, by asking. */
function recordingContext(req: RunRequest, calls: RecordedCall[], channel: Channel): RuleContext {
  const state = req.ctx.state;
  let changed: unknown = NONE;
  const ask = <T>(question: AskRequest): T => {
    channel.send(question, Turn.Ask);
    while (channel.turn === Turn.Ask) channel.waitWhile(Turn.Ask, Infinity, SPIN_FOR_ANSWER_US);
    return channel.read<T>();
  };
  return {
    rule: req.ctx.rule,
    version: req.ctx.version,
    key: req.ctx.key,
    now: new Date(req.ctx.now),
    options: req.ctx.options,
    emit: (type, data, options) => void calls.push(['emit', type, data, options]),
    command: (device, command) => void calls.push(['command', device, command]),
    state: {
      get: <S>() => (changed === NONE ? state : changed) as S | undefined,
      set(value) {
        if (value === undefined) throw new Error('state.set(undefined): use state.delete()');
        // A copy, as in the engine: later mutation by the handler must not change what was recorded.
        changed = structuredClone(value);
        calls.push(['state.set', changed]);
      },
      delete() {
        changed = undefined;
        calls.push(['state.delete']);
      },
    },
    timers: {
      set: (name, after, data) => void calls.push(['timers.set', name, after, data]),
      cancel: (name) => void calls.push(['timers.cancel', name]),
    },
    devices: {
      get: (name) => ask({ op: 'device', name }) ?? undefined,
      inRoom: (room, kind) => ask({ op: 'inRoom', room, kind }),
    },
    log: {
      info: (message, details) => void calls.push(['log', 'info', message, details]),
      warn: (message, details) => void calls.push(['log', 'warn', message, details]),
    },
  };
}
