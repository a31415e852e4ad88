// Group commit: everything submitted in one turn of the event loop is written in one transaction,
// and only after that transaction commits is anyone told (an MQTT ack, a command sent).
import type { Db } from './database.ts';
import type { EventStore } from './event-store.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';

/** A piece of work for the next transaction. */
export interface Unit {
  /** Runs inside the transaction; appends through `committer.append`. */
  write(): void;
  /** Called once the transaction committed (err null) or failed. */
  done?(err: Error | null): void;
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
}

export interface Committer {
  /** Appends an event; only valid inside a unit's write or a processor. */
  append(event: NewEvent): LoggedEvent | undefined;
  submit(unit: Unit): void;
  setProcessor(processor: Processor): void;
  /** Runs inside every transaction just before it commits (to persist consumer positions). */
  beforeCommit(fn: () => void): () => void;
  /** Runs after a transaction failed and rolled back (to undo in-memory progress). */
  onRollback(fn: () => void): () => void;
  /** Runs after every commit with the events it made durable (possibly none). */
  onCommitted(fn: (events: LoggedEvent[]) => void): () => void;
  /** Resolves when nothing is queued and no flush is pending. */
  settled(): Promise<void>;
  /** Writes what is queued now, synchronously (for shutdown). */
  flushNow(): void;
  readonly stats: CommitStats;
}

export interface CommitterDeps {
  db: Db;
  store: EventStore;
  /** Called with errors of hooks or failed transactions. */
  onError(err: unknown, what: string): void;
  /** How the next flush is scheduled. Default setImmediate: after the current I/O phase. */
  schedule?: (fn: () => void) => void;
}

export function createCommitter(deps: CommitterDeps): Committer {
  const { db, store, onError } = deps;
  const schedule = deps.schedule ?? setImmediate;
  let queue: Unit[] = [];
  let scheduled = false;
  let fresh: LoggedEvent[] | undefined;
  let processor: Processor = () => {};
  const before = new Set<() => void>();
  const rollback = new Set<() => void>();
  const committed = new Set<(events: LoggedEvent[]) => void>();
  let waiters: Array<() => void> = [];
  const stats: CommitStats = { commits: 0, events: 0, failures: 0, lastCommitMs: 0 };

  const transaction = db.transaction((units: Unit[]) => {
    for (const unit of units) unit.write();
    processor(fresh!);
    for (const fn of before) fn();
  });

  function flush(): void {
    scheduled = false;
    const units = queue;
    queue = [];
    if (units.length > 0) run(units);
    if (queue.length === 0 && !scheduled) {
      const w = waiters;
      waiters = [];
      for (const resolve of w) resolve();
    }
  }

  function run(units: Unit[]): void {
    fresh = [];
    const started = performance.now();
    let error: Error | null = null;
    try {
      transaction(units);
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    const events = fresh;
    fresh = undefined;
    stats.lastCommitMs = performance.now() - started;
    if (error) {
      stats.failures++;
      store.resetHead();
      for (const fn of rollback) guard(fn, 'rollback hook');
      onError(error, 'commit');
    } else {
      stats.commits++;
      stats.events += events.length;
    }
    // Store first, then fan out: acknowledgements and commands leave only after the commit.
    for (const unit of units) if (unit.done) guard(() => unit.done!(error), 'unit completion');
    if (!error) for (const fn of committed) guard(() => fn(events), 'commit listener');
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
    append(event) {
      if (!fresh) throw new Error('committer.append called outside a transaction');
      const seq = store.append(event);
      if (seq === undefined) return undefined;
      const logged = event as LoggedEvent;
      logged.seq = seq;
      fresh.push(logged);
      return logged;
    },
    submit(unit) {
      queue.push(unit);
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
    onCommitted: (fn) => add(committed, fn),
    settled() {
      if (queue.length === 0 && !scheduled) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    flushNow() {
      if (queue.length > 0) run(queue.splice(0));
    },
    stats,
  };
}
