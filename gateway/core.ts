// Wires the parts that make up the reaction pipeline (log, ingest, rules, timers, actuation) around
// one database; the gateway adds the broker and the process around it, the test kit a fake outbox.
import type { Clock } from './clock.ts';
import { createActuator, type Actuator, type Publish } from './actuation/actuator.ts';
import type { LoggedEvent } from './events/event.ts';
import { createRuleEngine, type LoadedRule, type RuleEngine } from './engine/rule-engine.ts';
import { timeLimited } from './engine/time-limit.ts';
import { createRuleSandbox, type Isolation, type RuleSandbox } from './engine/sandbox/sandbox.ts';
import { createRuleStore, type RuleStore } from './engine/rule-store.ts';
import { createTimerScheduler, type TimerScheduler } from './engine/timer-scheduler.ts';
import { createIngest, type Ingest } from './ingest/ingest.ts';
import type { Rejection } from './ingest/normalize.ts';
import { createCommitter, type Committer } from './log/committer.ts';
import type { Db } from './log/database.ts';
import type { WalSync } from './log/wal-sync.ts';
import { createEventStore, type EventStore } from './log/event-store.ts';
import type { LogSink } from './logger.ts';
import { createStorageStatus, type StorageStatus } from './log/storage-status.ts';
import { faultPoint, faultsArmed } from './fault-points.ts';
import { createDeviceRegistry, type DeviceRegistry } from './registry/device-registry.ts';
import type { DeviceAdapter, InboundMessage } from './sdk/device.ts';

export interface CoreDeps {
  db: Db;
  clock: Clock;
  adapters: readonly DeviceAdapter[];
  /** e.g. "/sites/home" */
  sourceBase: string;
  log: LogSink;
  publish: Publish;
  maxPayloadBytes: number;
  maxCommandAgeMs: number;
  /** Time zone of schedules that name none. Default: the system's. */
  timezone?: string | undefined;
  /** A transaction (and so a rule handler) running longer than this is stopped. Default 5 s. */
  ruleTimeLimitMs?: number | undefined;
  /** Where rules run (rules.isolation) and the rule worker's heap limit. Default: all inline. */
  isolation?: { default: Isolation; workerHeapMb: number } | undefined;
  /** How long QoS 0 input may wait to be committed together (storage.qos0CommitInterval). Default 0. */
  qos0CommitMs?: number | undefined;
  /** Makes commits durable off the event loop (storage.synchronous FULL); see log/wal-sync.ts. */
  wal?: WalSync | undefined;
  /** How group commits are scheduled (tests take control of it). Default: setImmediate. */
  schedule?: (flush: () => void) => void;
  onRejected?(message: InboundMessage, rejection: Rejection): void;
}

export interface Core {
  db: Db;
  /** Whether the log takes writes, and why not (a full disk). */
  storage: StorageStatus;
  events: EventStore;
  committer: Committer;
  registry: DeviceRegistry;
  ruleStore: RuleStore;
  engine: RuleEngine;
  ingest: Ingest;
  actuator: Actuator;
  scheduler: TimerScheduler;
  /**
   * Installs the rules, lets them catch up on what they have not seen, sends commands left unsent
   * and arms the timers. Must finish before new input is accepted, so that rules see the log in order.
   */
  start(rules: LoadedRule[], options?: { /** Default true; false when the broker comes later (then call actuator.resume()). */ resumeCommands?: boolean }): Promise<void>;
  /** Writes what is queued and persists every position. */
  flush(): Promise<void>;
  /** Resolves once the rule worker (if any rule is isolated) has loaded its rules. */
  ruleWorkerReady(): Promise<void>;
  /** Names of the rules whose handlers run in the rule worker. */
  readonly isolatedRules: readonly string[];
  /** Ends the rule worker, if one runs. */
  close(): Promise<void>;
}

export function createCore(deps: CoreDeps): Core {
  const { db, clock, adapters, sourceBase, log } = deps;
  const storage = createStorageStatus({ log, now: () => clock.now() });
  // A failed commit or fsync is a storage problem (a full disk): said once, not once per commit.
  const onError = (err: unknown, what: string): void =>
    what === 'commit' || what === 'fsync' ? storage.failed(err) : log.error(`${what} failed`, { err: err instanceof Error ? err.message : String(err) });
  const events = createEventStore(db);
  const limitMs = deps.ruleTimeLimitMs ?? 5000;
  let engine: RuleEngine | undefined;
  const committer = createCommitter({
    db,
    store: events,
    onError,
    wal: deps.wal,
    schedule: deps.schedule,
    lazyCommitMs: deps.qos0CommitMs,
    setTimer: (fn, ms) => clock.setTimeout(fn, ms),
    execute: timeLimited(limitMs),
    onTimeout: () => engine?.strike(limitMs) ?? false,
  });
  const registry = createDeviceRegistry({ db, configured: adapters.flatMap((a) => a.configuredDevices()) });
  const ruleStore = createRuleStore(db);
  // A handler stuck in the worker is stopped at half the limit, before the transaction's own limit.
  const sandbox: RuleSandbox | undefined = deps.isolation
    ? createRuleSandbox({ defaultIsolation: deps.isolation.default, limitMs: limitMs / 2, maxHeapMb: deps.isolation.workerHeapMb, log })
    : undefined;
  engine = createRuleEngine({ committer, events, store: ruleStore, registry, clock, sourceBase, log, timezone: deps.timezone, sandbox });
  committer.setProcessor(faultsArmed ? withFaultPoints(engine.process) : engine.process);
  committer.onCommitted(storage.committed);
  const ingest = createIngest({
    adapters,
    registry,
    committer,
    clock,
    sourceBase,
    maxPayloadBytes: deps.maxPayloadBytes,
    onRejected: deps.onRejected,
  });
  const actuator = createActuator({
    committer,
    events,
    store: ruleStore,
    registry,
    adapters,
    publish: faultsArmed ? publishWithFaultPoints(deps.publish) : deps.publish,
    clock,
    sourceBase,
    maxCommandAgeMs: deps.maxCommandAgeMs,
    onError,
  });
  const scheduler = createTimerScheduler({ committer, store: ruleStore, clock, sourceBase });

  return {
    db,
    storage,
    events,
    committer,
    registry,
    ruleStore,
    engine,
    ingest,
    actuator,
    scheduler,
    async start(rules, options = {}) {
      engine.setRules(rules);
      await sandbox?.whenReady().catch((err: unknown) => log.error('the rule worker did not start', { err: (err as Error).message }));
      await engine.catchUp();
      if (options.resumeCommands !== false) actuator.resume();
      scheduler.rearm();
      await committer.settled();
    },
    async flush() {
      await committer.settled();
      // Its transaction carries the positions that moved since the last commit, and moves the tail
      // into the indexed table: a stopped log is all indexed, for whoever reads it next.
      engine.persistPositions();
      committer.submit({ write: () => void events.fold(1) });
      committer.flushNow();
    },
    ruleWorkerReady: () => sandbox?.whenReady() ?? Promise.resolve(),
    get isolatedRules() {
      return sandbox?.isolated ?? [];
    },
    async close() {
      await sandbox?.close();
    },
  };
}

/** Test-only crash points around the rules (FIRSTLIGHT_TEST_FAULT); installed only when armed. */
function withFaultPoints(process: (fresh: LoggedEvent[]) => void): (fresh: LoggedEvent[]) => void {
  return (fresh) => {
    const input = fresh.length;
    process(fresh);
    if (input > 0) faultPoint('ingest.beforeCommit');
    if (fresh.length > input) faultPoint('rule.beforeCommit');
  };
}

function publishWithFaultPoints(publish: Publish): Publish {
  return (message, done) => {
    faultPoint('command.beforePublish');
    publish(message, (err) => {
      if (!err) faultPoint('command.afterPublish');
      done(err);
    });
  };
}
