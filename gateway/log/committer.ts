// Group commit: everything submitted in one turn of the event loop is written in one transaction,
// and only after that transaction is durable is anyone told (an MQTT ack, a command sent).
import type { Db } from './database.ts';
import type { WalSync } from './wal-sync.ts';
import { FOLD_ROWS, FOLD_ROWS_UNDER_LOAD, type EventStore } from './event-store.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';
import { faultPoint } from '../fault-points.ts';

/** A piece of work for the next transaction. */
export interface Unit {
  /** Runs inside the transaction; appends through `committer.append`. */
  write(): void;
  /** Called once the transaction is durable (err null) or failed. */
  done?(err: Error | null): void;
  /**
   * May wait up to `lazyCommitMs` to share a transaction with later work. Only for input nobody waits
   * on (QoS 0): work that is not lazy, a timer or `settled()` takes waiting units along at once.
   */
  lazy?: boolean;
}

/**
 * Runs inside the transaction after the units, with every event appended so far. It may append
 * more; `fresh` grows as it does, so a processor walks it with an index until the end.
 */
export type Processor = (fresh: LoggedEvent[]) => void;

export interface CommitStats {
  commits: number;
  events: number;
  failures: number;
  /** Duration of the last transaction, in ms. */
  lastCommitMs: number;
  /** fsyncs that made commits durable (with a `wal`; none otherwise). */
  syncs: number;
  /** Duration of the last of them, in ms: an SD card wearing out shows here first. */
  lastSyncMs: number;
  /** Why the newest commit failed ("SQLITE_FULL: database or disk is full"); cleared by a success. */
  lastError?: string | undefined;
}

export interface Committer {
  /**
   * Appends an event; only valid inside a unit's write or a processor. `minted`: its id was made
   * here for it (see EventStore.append). Undefined when the log already holds its (source, id).
   */
  append(event: NewEvent, minted?: boolean): LoggedEvent | undefined;
  submit(unit: Unit): void;
  setProcessor(processor: Processor): void;
  /** Runs inside every transaction just before it commits (to persist consumer positions). */
  beforeCommit(fn: () => void): () => void;
  /** Runs after a transaction failed and rolled back (to undo in-memory progress). */
  onRollback(fn: () => void): () => void;
  /**
   * Runs right after every transaction commits, before it is durable: for in-memory bookkeeping
   * that a later transaction's rollback goes back to, never for anything another party sees.
   */
  afterCommit(fn: () => void): () => void;
  /**
   * Runs once a commit is durable, with the events it made so (possibly none), in commit order:
   * for whatever tells the world (commands, the live feed, the uplink).
   */
  onCommitted(fn: (events: LoggedEvent[]) => void): () => void;
  /** Resolves when nothing is queued, no flush is pending and every commit is durable. */
  settled(): Promise<void>;
  /** Writes what is queued now and makes every commit durable, synchronously (for shutdown). */
  flushNow(): void;
  readonly stats: CommitStats;
}

export interface CommitterDeps {
  db: Db;
  store: EventStore;
  /** Called with errors of hooks, failed transactions ('commit') and a failed fsync ('fsync'). */
  onError(err: unknown, what: string): void;
  /**
   * Makes commits durable off the event loop (storage.synchronous FULL). Without it a commit is as
   * durable as the connection's synchronous setting makes it, and is told at once.
   */
  wal?: WalSync | undefined;
  /** How the next flush is scheduled. Default setImmediate: after the current I/O phase. */
  schedule?: (fn: () => void) => void;
  /** A monotonic clock in ms, for the commit rate. Default performance.now. */
  now?: () => number;
  /** How long lazy units may wait (storage.qos0CommitInterval); 0 or unset: they do not wait. */
  lazyCommitMs?: number;
  /** Arms the lazy units' timer; returns its cancel. Default: an unref'd setTimeout. */
  setTimer?: (fn: () => void, ms: number) => () => void;
  /**
   * Runs a transaction; the gateway runs it under a time limit so a rule stuck in a loop cannot hold
   * the process (see engine/time-limit.ts). Default: a plain call.
   */
  execute?: (transaction: () => void) => void;
  /**
   * Called when `execute` gave up on a transaction (ERR_SCRIPT_EXECUTION_TIMEOUT), after it was rolled
   * back. Returns true when the cause was dealt with (a rule struck) and the same work may be retried.
   */
  onTimeout?: () => boolean;
}

/** A transaction that committed, and whom to tell once it is durable. */
interface Commit {
  units: Unit[];
  events: LoggedEvent[];
}

/** Events a second from which folds are FOLD_ROWS_UNDER_LOAD rows (a building logs tens). */
const LOAD_EVENTS_PER_S = 500;

export function createCommitter(deps: CommitterDeps): Committer {
  const { db, store, onError } = deps;
  const schedule = deps.schedule ?? setImmediate;
  let queue: Unit[] = [];
  let scheduled = false;
  // Armed while only lazy units are queued; any flush takes them along and disarms it.
  let lazyTimer: (() => void) | undefined;
  const lazyMs = deps.lazyCommitMs ?? 0;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  });
  const disarmLazy = (): void => {
    lazyTimer?.();
    lazyTimer = undefined;
  };
  let fresh: LoggedEvent[] | undefined;
  let processor: Processor = () => {};
  const before = new Set<() => void>();
  const rollback = new Set<() => void>();
  const after = new Set<() => void>();
  const committed = new Set<(events: LoggedEvent[]) => void>();
  let waiters: Array<() => void> = [];
  // Commits not yet durable: those waiting for the next fsync, and those the running one covers.
  // One fsync runs at a time; everything committed meanwhile shares the next.
  const wal = deps.wal;
  let unsynced: Commit[] = [];
  let syncing: Commit[] | undefined;
  // After a failed fsync the kernel may have dropped the pages it could not write, so a later
  // fsync that succeeds proves nothing: the log takes no more writes until a restart recovers it.
  let syncFailure: Error | undefined;
  const stats: CommitStats = { commits: 0, events: 0, failures: 0, lastCommitMs: 0, syncs: 0, lastSyncMs: 0 };
  const now = deps.now ?? (() => performance.now());
  // Fold size by the rate of the last full second: big folds at a building's rates (each index
  // page written once for many messages, what an SD card wants), smaller ones under sustained load.
  let rateWindow = { start: now(), events: 0 };
  let foldRows = FOLD_ROWS;
  /** After a commit: at the end of each second, the rate of the one before sets the fold size. */
  function measureRate(): void {
    const at = now();
    const elapsed = at - rateWindow.start;
    if (elapsed < 1000) return;
    foldRows = ((stats.events - rateWindow.events) * 1000) / elapsed >= LOAD_EVENTS_PER_S ? FOLD_ROWS_UNDER_LOAD : FOLD_ROWS;
    rateWindow = { start: at, events: stats.events };
  }

  const transaction = db.transaction((units: Unit[]) => {
    for (const unit of units) unit.write();
    processor(fresh!);
    // After the processor: what the rules derived is in the tail too, and goes with it.
    store.fold(foldRows);
    for (const fn of before) fn();
  });

  function flush(): void {
    scheduled = false;
    disarmLazy();
    const units = queue;
    queue = [];
    if (units.length > 0) run(units);
    wakeWaiters();
  }

  /** Nothing queued, no flush pending, every commit durable: what `settled()` waits for. */
  function idle(): boolean {
    return queue.length === 0 && !scheduled && !syncing && unsynced.length === 0;
  }

  function wakeWaiters(): void {
    if (!idle()) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  }

  const execute = deps.execute ?? ((fn: () => void) => fn());
  /** A stuck rule is struck and the work retried; after this many it fails like any error. */
  const MAX_TIMEOUT_RETRIES = 5;

  function run(units: Unit[]): void {
    if (syncFailure) return complete(units, syncFailure);
    const started = performance.now();
    let error: Error | null = null;
    for (let attempt = 0; ; attempt++) {
      fresh = [];
      error = null;
      let code: unknown;
      try {
        execute(() => transaction(units));
      } catch (err) {
        // Errors from node:vm may come from another realm: look at the code, not the class.
        code = (err as { code?: unknown } | null)?.code;
        error = err instanceof Error ? err : Object.assign(new Error(String((err as Error)?.message ?? err)), { code });
      }
      if (code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') break;
      // The time limit stops JavaScript without running catch blocks, so the transaction is still
      // open: roll it back here, undo in-memory progress, and retry once the culprit is struck.
      if (db.inTransaction) db.exec('ROLLBACK');
      store.resetHead();
      for (const fn of rollback) guard(fn, 'rollback hook');
      if (attempt >= MAX_TIMEOUT_RETRIES || !deps.onTimeout?.()) break;
    }
    const events = fresh!;
    fresh = undefined;
    stats.lastCommitMs = performance.now() - started;
    if (error) {
      countFailure(error);
      store.resetHead();
      for (const fn of rollback) guard(fn, 'rollback hook');
      onError(error, 'commit');
      return complete(units, error);
    }
    stats.commits++;
    stats.events += events.length;
    measureRate();
    stats.lastError = undefined;
    faultPoint('commit.afterCommit');
    for (const fn of after) guard(fn, 'commit hook');
    // Store first, then fan out: acknowledgements and commands leave only once the commit is durable.
    if (!wal) return tell([{ units, events }]);
    unsynced.push({ units, events });
    startSync();
  }

  function startSync(): void {
    if (syncing || unsynced.length === 0) return;
    const batch = (syncing = unsynced);
    unsynced = [];
    const started = performance.now();
    wal!.sync((err) => {
      // flushNow made these durable itself and told them.
      if (syncing !== batch) return;
      syncing = undefined;
      synced(batch, started, err);
      startSync();
    });
  }

  /** After the fsync that covered `batch`, begun at `started`: tell its commits how they ended. */
  function synced(batch: Commit[], started: number, err: Error | null): void {
    if (err) failSync(err, batch);
    else {
      stats.syncs++;
      stats.lastSyncMs = performance.now() - started;
      tell(batch);
    }
    wakeWaiters();
  }

  function countFailure(err: Error): void {
    stats.failures++;
    stats.lastError = `${(err as { code?: unknown }).code ?? 'error'}: ${err.message}`;
  }

  function failSync(err: Error, batch: Commit[]): void {
    syncFailure = err;
    countFailure(err);
    onError(err, 'fsync');
    for (const c of [...batch, ...unsynced.splice(0)]) complete(c.units, err);
  }

  /** Tells a transaction's units how it ended: durable (null) or not. */
  function complete(units: Unit[], err: Error | null): void {
    for (const unit of units) if (unit.done) guard(() => unit.done!(err), 'unit completion');
  }

  /** Acknowledgements first, then the listeners, commit by commit. */
  function tell(commits: Commit[]): void {
    for (const { units, events } of commits) {
      complete(units, null);
      for (const fn of committed) guard(() => fn(events), 'commit listener');
    }
  }

  function guard(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      onError(err, what);
    }
  }

  function add<T>(set: Set<T>, fn: T): () => void {
    set.add(fn);
    return () => set.delete(fn);
  }

  return {
    append(event, minted) {
      if (!fresh) throw new Error('committer.append called outside a transaction');
      const seq = store.append(event, minted);
      if (seq === undefined) return undefined;
      const logged = event as LoggedEvent;
      logged.seq = seq;
      fresh.push(logged);
      return logged;
    },
    submit(unit) {
      queue.push(unit);
      if (unit.lazy && lazyMs > 0) {
        if (!scheduled) lazyTimer ??= setTimer(flush, lazyMs);
        return;
      }
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    },
    setProcessor(p) {
      processor = p;
    },
    beforeCommit: (fn) => add(before, fn),
    onRollback: (fn) => add(rollback, fn),
    afterCommit: (fn) => add(after, fn),
    onCommitted: (fn) => add(committed, fn),
    settled() {
      if (idle()) return Promise.resolve();
      // Whoever waits for the queue to settle (a stop, a test) does not wait out lazy units.
      if (lazyTimer && !scheduled) {
        disarmLazy();
        scheduled = true;
        schedule(flush);
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
    flushNow() {
      disarmLazy();
      if (queue.length > 0) run(queue.splice(0));
      if (!syncing && unsynced.length === 0) return;
      const batch = [...(syncing ?? []), ...unsynced];
      syncing = undefined;
      unsynced = [];
      const started = performance.now();
      let err: Error | null = null;
      try {
        wal!.syncNow();
      } catch (e) {
        err = e as Error;
      }
      synced(batch, started, err);
    },
    stats,
  };
}
