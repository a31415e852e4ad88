// Moves the WAL into the database file from a timer, never inside a commit, and truncates it on stop.
import type { Cancel, Clock } from '../clock.ts';
import type { Db } from './database.ts';

export interface Checkpointer {
  stop(): void;
}

export interface CheckpointPolicy {
  /** The longest a committed page waits in the WAL before it is copied into the file. */
  intervalMs: number;
  /** Events committed so far (a running total), to checkpoint early when many are waiting. */
  eventsCommitted: () => number;
  /** Checkpoint at the next look once this many events are waiting. Default 1000. */
  maxWaitingEvents?: number;
}

/**
 * How often the checkpointer looks: every second, so that a busy log is checkpointed that often, or
 * every interval if that is shorter.
 */
const lookEveryMs = (intervalMs: number): number => Math.min(1000, intervalMs);

/** The longest a committed page waits to be copied into the file: the interval, and one look more. */
export const longestCheckpointWaitMs = (intervalMs: number): number => intervalMs + lookEveryMs(intervalMs);

/**
 * A checkpoint copies each page the WAL holds once, however many commits changed it. At a building's
 * rates every commit changes the same handful of pages (the newest leaf of the events table and of
 * each index, the rules' state), so waiting `intervalMs` instead of a second copies them once for
 * many messages: at one message a second this halves the bytes written. Under load the waiting
 * events reach `maxWaitingEvents` first, which keeps the WAL, and each checkpoint's pause, small.
 */
export function startCheckpointer(db: Db, clock: Clock, policy: CheckpointPolicy, onError: (err: unknown) => void): Checkpointer {
  const maxWaiting = policy.maxWaitingEvents ?? 1000;
  const lookMs = lookEveryMs(policy.intervalMs);
  let cancel: Cancel | undefined;
  let checkpointedAt = clock.now();
  let eventsAtCheckpoint = policy.eventsCommitted();
  const look = (): void => {
    const events = policy.eventsCommitted();
    const due = events - eventsAtCheckpoint >= maxWaiting || clock.now() - checkpointedAt >= policy.intervalMs;
    if (due) {
      try {
        // PASSIVE never waits for readers (a `firstlight events --follow` in another process). With
        // nothing in the WAL it writes nothing: an idle gateway stays quiet.
        db.pragma('wal_checkpoint(PASSIVE)');
      } catch (err) {
        onError(err);
      }
      checkpointedAt = clock.now();
      eventsAtCheckpoint = events;
    }
    cancel = clock.setTimeout(look, lookMs);
  };
  cancel = clock.setTimeout(look, lookMs);
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
