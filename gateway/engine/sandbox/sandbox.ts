// Runs the functions of isolated rules in a worker thread with a heap limit: a rule that exhausts its
// memory, loops, or calls process.exit ends its worker, not the gateway. The engine still calls the
// handler synchronously inside the commit; the worker records what the handler asked for, and the
// engine replays that on the real context, so outputs, state and positions stay atomic.
import { Worker } from 'node:worker_threads';
import type { LogSink } from '../../logger.ts';
import type { FiredTimer, RuleContext, RuleDefinition } from '../../sdk/rule.ts';
import type { DeviceKind } from '../../sdk/device.ts';
import type { TriggerSpec } from '../../sdk/triggers.ts';
import type { LoadedRule } from '../active-rule.ts';
import { bundleRules } from './bundle.ts';
import { allocateChannel, Channel, Turn, TURN, type AskRequest, type RecordedCall, type RunReply, type RunRequest, type Target } from './channel.ts';

export type Isolation = 'worker' | 'inline';

export interface SandboxOptions {
  /** Isolation of rules that do not choose (`isolation` in defineRule). */
  defaultIsolation: Isolation;
  /** How long one handler may run in the worker before the worker is stopped. */
  limitMs: number;
  /** The worker's heap limit (V8 old generation), in MB. */
  maxHeapMb: number;
  log: LogSink;
}

export interface RuleSandbox {
  /** The rules, those that run isolated with their functions redirected to the worker. */
  isolate(rules: LoadedRule[]): LoadedRule[];
  /** Names of the rules that run in the worker now. */
  readonly isolated: readonly string[];
  /**
   * Starts the worker, if rules are isolated, and resolves once it has loaded them. Before the
   * gateway's event loop has seen the worker come online, a worker that dies is noticed only by the
   * time limit; the gateway awaits this at start.
   */
  whenReady(): Promise<void>;
  close(): Promise<void>;
}

/** A handler stopped in its worker (time limit, memory, exit): the engine strikes the rule. */
export class RuleStoppedError extends Error {
  readonly code = 'FL_RULE_STOPPED';
}

/** How often a waiting engine looks whether the worker is still alive. */
const POLL_MS = 10;
/** How long the engine spins for a reply before it sleeps (see Channel.waitWhile). */
const SPIN_US = 100;
/** How long a worker may take to load its rules. */
const READY_TIMEOUT_MS = 30_000;
const CHANNEL_BYTES = 8 << 20;

export function createRuleSandbox(options: SandboxOptions): RuleSandbox {
  const { limitMs, maxHeapMb, log } = options;
  let files: string[] = [];
  let ruleOptions: unknown[] = [];
  let signature = '';
  // The bundle as the worker loads it: encoded once per set of isolated rules, not per (re)start.
  let url: URL | undefined;
  let bundleError: string | undefined;
  let worker: { thread: Worker; channel: Channel; ready: boolean; online: Promise<void>; isOnline: boolean } | undefined;
  let isolatedNames: string[] = [];

  function start(): NonNullable<typeof worker> {
    if (bundleError !== undefined) throw new Error(`could not run in its worker: ${bundleError}`);
    const memory = allocateChannel(CHANNEL_BYTES);
    const thread = new Worker(url!, {
      workerData: { memory, files, options: ruleOptions },
      // A small young generation: handlers make short-lived garbage, and every MB of it is resident.
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: Math.min(16, Math.max(2, maxHeapMb >> 5)) },
      execArgv: [],
    });
    thread.unref();
    thread.on('error', (err) => log.error('rule worker ended', { error: err.message, code: (err as { code?: unknown }).code }));
    const record = { thread, channel: new Channel(memory), ready: false, isOnline: false, online: Promise.resolve() };
    record.online = new Promise<void>((resolve) => thread.once('online', resolve)).then(() => void (record.isOnline = true));
    return record;
  }

  /** Ends the worker; `restart` starts its successor at once, so that it is online by the next call. */
  function stop(reason: string, restart = true): void {
    if (!worker) return;
    const { thread } = worker;
    worker = undefined;
    log.warn('rule worker stopped', { reason, restarting: restart });
    void thread.terminate();
    if (restart) worker = start();
  }

  /**
   * Whether the worker's thread has ended (out of memory, process.exit): its loop then reports a
   * negative idle time. Node reports nothing until the gateway's loop has seen the worker online.
   */
  const ended = (w: NonNullable<typeof worker>): boolean => w.isOnline && w.thread.performance.eventLoopUtilization().idle < 0;

  function ready(): NonNullable<typeof worker> {
    worker ??= start();
    const w = worker;
    if (w.ready) return w;
    const deadline = performance.now() + READY_TIMEOUT_MS;
    for (;;) {
      const turn = w.channel.waitWhile(Turn.Idle, POLL_MS);
      if (turn === Turn.Ready) break;
      if (ended(w)) {
        stop('it ended while loading');
        throw new RuleStoppedError(`stopped: its worker ended while loading (out of memory past the ${maxHeapMb} MB heap limit, or process.exit)`);
      }
      if (turn === Turn.LoadFailed) {
        // Not restarted: it would fail the same way. The next change to the rules tries again.
        bundleError = `a rule failed to load in the worker: ${w.channel.read<string>()}`;
        stop('a rule failed to load', false);
        throw new Error(bundleError);
      }
      if (performance.now() > deadline) {
        stop('loading took too long', false);
        throw new Error(`its worker did not load within ${READY_TIMEOUT_MS / 1000} s`);
      }
    }
    Atomics.store(w.channel.ctl, TURN, Turn.Idle);
    w.ready = true;
    return w;
  }

  /** Runs one function in the worker and replays what it recorded onto the engine's context. */
  function call(rule: number, target: Target, arg: unknown, ctx: RuleContext): void {
    // A call abandoned half-way (the transaction's own time limit stopped it) may still be running in
    // the worker, which would answer into this call's buffer: start over with a fresh worker.
    if (worker?.ready && worker.channel.turn !== Turn.Idle) stop('a call was abandoned');
    const w = ready();
    const request: RunRequest = {
      rule,
      target,
      arg,
      // No state: the key is left out of the JSON (a state of null is kept as null).
      ctx: { rule: ctx.rule, version: ctx.version, key: ctx.key, now: ctx.now.getTime(), options: ctx.options, state: ctx.state.get() },
    };
    w.channel.send(request, Turn.Request);
    const started = performance.now();
    for (;;) {
      const turn = w.channel.waitWhile(Turn.Request, POLL_MS, SPIN_US);
      if (turn === Turn.Reply) break;
      if (turn === Turn.Ask) {
        w.channel.send(answer(w.channel.read<AskRequest>(), ctx), Turn.Request);
        continue;
      }
      if (ended(w)) {
        stop(`${ctx.rule} ended its worker`);
        throw new RuleStoppedError(`stopped: its worker ended (out of memory past the ${maxHeapMb} MB heap limit, or process.exit)`);
      }
      if (performance.now() - started > limitMs) {
        stop(`${ctx.rule} ran past the time limit`);
        throw new RuleStoppedError(`stopped: ran longer than the ${limitMs} ms time limit (a loop?)`);
      }
    }
    const reply = w.channel.read<RunReply>();
    Atomics.store(w.channel.ctl, TURN, Turn.Idle);
    if (!reply.ok) throw new Error(reply.error);
    replay(reply.calls, ctx);
  }

  function wrap(loaded: LoadedRule, index: number): RuleDefinition {
    const def = loaded.definition;
    const on = Object.fromEntries(
      Object.keys(def.on ?? {}).map((type) => [type, (event: unknown, ctx: RuleContext) => call(index, { kind: 'on', type }, event, ctx)]),
    );
    const timers = Object.fromEntries(
      Object.keys(def.timers ?? {}).map((name) => [
        name,
        (fired: FiredTimer, ctx: RuleContext) => call(index, { kind: 'timer', name }, { ...fired, dueAt: fired.dueAt.getTime() }, ctx),
      ]),
    );
    // Triggers' conditions (where, while) and keys stay in the engine: only `run` is the rule's work.
    const redirect = (specs: TriggerSpec[]): TriggerSpec[] =>
      specs.map((spec, i) => ({ ...spec, run: (fired: unknown, ctx: RuleContext) => call(index, { kind: 'trigger', index: i }, fired, ctx) }) as TriggerSpec);
    const triggers = typeof def.triggers === 'function' ? (o: unknown) => redirect((def.triggers as (o: unknown) => TriggerSpec[])(o)) : def.triggers && redirect(def.triggers);
    return { ...def, on: on as RuleDefinition['on'], timers, triggers };
  }

  return {
    isolate(rules) {
      const chosen = rules.filter((r) => r.file !== undefined && (r.definition.isolation ?? options.defaultIsolation) === 'worker');
      const next = chosen.map((r) => `${r.file}@${r.version}`).join('\n');
      if (next !== signature) {
        if (worker) stop('the isolated rules changed', false);
        signature = next;
        files = chosen.map((r) => r.file!);
        ruleOptions = chosen.map((r) => r.options);
        url = undefined;
        bundleError = undefined;
        if (files.length > 0) {
          try {
            url = new URL(`data:text/javascript;base64,${Buffer.from(bundleRules(files)).toString('base64')}`);
            // Booting now, it is usually ready before the first event for these rules arrives.
            worker = start();
          } catch (err) {
            bundleError = `bundling failed: ${(err as Error).message}`;
            log.error('isolated rules could not be bundled', { error: bundleError });
          }
        }
      }
      isolatedNames = chosen.map((r) => r.definition.name);
      return rules.map((r) => {
        const index = chosen.indexOf(r);
        return index < 0 ? r : { ...r, definition: wrap(r, index) };
      });
    },
    get isolated() {
      return isolatedNames;
    },
    async whenReady() {
      if (files.length === 0 || bundleError !== undefined) return;
      worker ??= start();
      // The worker is unref'd (it must not keep a stopping gateway alive); while it comes up, it is
      // all that the gateway waits for.
      const { thread } = worker;
      thread.ref();
      try {
        await worker.online;
      } finally {
        thread.unref();
      }
      ready();
    },
    async close() {
      const thread = worker?.thread;
      worker = undefined;
      await thread?.terminate();
    },
  };
}

function answer(question: AskRequest, ctx: RuleContext): unknown {
  if (question.op === 'device') return ctx.devices.get(question.name) ?? null;
  return ctx.devices.inRoom(question.room, question.kind as DeviceKind | undefined);
}

/** Does on the real context what the handler did on the recording one, in the same order. */
function replay(calls: RecordedCall[], ctx: RuleContext): void {
  for (const c of calls) {
    switch (c[0]) {
      case 'emit':
        ctx.emit(c[1], c[2] as never, (c[3] ?? undefined) as never);
        break;
      case 'command':
        ctx.command(c[1], c[2] as never);
        break;
      case 'state.set':
        ctx.state.set(c[1]);
        break;
      case 'state.delete':
        ctx.state.delete();
        break;
      case 'timers.set':
        ctx.timers.set(c[1], c[2], c[3] ?? undefined);
        break;
      case 'timers.cancel':
        ctx.timers.cancel(c[1]);
        break;
      case 'log':
        ctx.log[c[1]](c[2], (c[3] ?? undefined) as Record<string, unknown> | undefined);
        break;
    }
  }
}
