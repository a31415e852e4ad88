// Moves the WAL into the database file from a timer, never inside a commit, and truncates it on stop.
import type { Cancel, Clock } from '../clock.ts';
import type { Db } from './database.ts';

export interface Checkpointer {
  stop(): void;
}

export function startCheckpointer(db: Db, clock: Clock, intervalMs: number, onError: (err: unknown) => void): Checkpointer {
  let cancel: Cancel | undefined;
  const tick = (): void => {
    try {
      // PASSIVE never waits for readers (a `firstlight events --follow` in another process).
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      onError(err);
    }
    cancel = clock.setTimeout(tick, intervalMs);
  };
  cancel = clock.setTimeout(tick, intervalMs);
  return {
    stop() {
      cancel?.();
    },
  };
}

/** Checkpoints everything and empties the WAL (on clean shutdown). */
export function truncateWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
