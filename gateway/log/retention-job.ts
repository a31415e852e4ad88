// Runs the retention prune on a timer, in small transactions that leave room for ingest between
// them, and refuses to run when the wall clock jumped or when a run would delete a large share of
// the log at once: a Pi that booted with a wrong clock must not purge recent data (test 33).
import type { Cancel, Clock } from '../clock.ts';
import type { LogSink } from '../logger.ts';
import type { Pruner } from './retention.ts';

export interface RetentionJobOptions {
  pruner: Pruner;
  clock: Clock;
  /** A clock the wall clock's steps do not move (performance.now). */
  monotonic(): number;
  intervalMs: number;
  /** The first run, after start. */
  firstRunMs?: number;
  /** A run that would delete more than this share of all events is refused. */
  maxDeleteFraction: number;
  /** A run after the wall clock moved this much more (or less) than real time is refused. */
  maxClockJumpMs?: number;
  /** Events deleted per transaction. */
  batch?: number;
  /** Events deleted per run at most (the next run goes on). */
  maxPerRun?: number;
  log: Pick<LogSink, 'info' | 'warn'>;
  /** Records a refusal in the log (a storage.prune-refused event). */
  refused(data: { reason: string; wouldDelete: number; events: number }): void;
}

export interface RetentionRun {
  deleted: number;
  byType: Record<string, number>;
  refused?: string;
}

export interface RetentionJob {
  /** One run now (the timer calls this). */
  run(): Promise<RetentionRun>;
  stop(): void;
}

export function startRetentionJob(options: RetentionJobOptions): RetentionJob {
  const { pruner, clock } = options;
  const batch = options.batch ?? 500;
  const maxPerRun = options.maxPerRun ?? 200_000;
  const maxJump = options.maxClockJumpMs ?? 3_600_000;
  let last = { wall: clock.now(), mono: options.monotonic() };
  let cancel: Cancel | undefined;
  let stopped = false;
  let running: Promise<RetentionRun> | undefined;

  function refuse(reason: string, wouldDelete: number, events: number): RetentionRun {
    options.log.warn('retention refused to prune', { reason, wouldDelete, events });
    options.refused({ reason, wouldDelete, events });
    return { deleted: 0, byType: {}, refused: reason };
  }

  async function once(): Promise<RetentionRun> {
    const wall = clock.now();
    const mono = options.monotonic();
    const jump = wall - last.wall - (mono - last.mono);
    last = { wall, mono };
    if (Math.abs(jump) > maxJump) {
      return refuse(`the wall clock moved ${Math.round(jump / 1000)} s more than the time that passed; pruning waits for the next run`, 0, pruner.count());
    }
    const events = pruner.count();
    const allowed = Math.floor(events * options.maxDeleteFraction);
    const planned = pruner.plan(wall, allowed + 1).total;
    if (planned > allowed) {
      return refuse(
        `a run would delete more than ${Math.round(options.maxDeleteFraction * 100)}% of the log at once (a wrong clock?); if that is intended, raise storage.retention.maxDeleteFraction`,
        planned,
        events,
      );
    }
    const byType: Record<string, number> = {};
    let deleted = 0;
    while (!stopped && deleted < maxPerRun) {
      const done = pruner.pruneBatch(clock.now(), Math.min(batch, maxPerRun - deleted));
      const n = Object.values(done).reduce((a, b) => a + b, 0);
      for (const [t, k] of Object.entries(done)) byType[t] = (byType[t] ?? 0) + k;
      deleted += n;
      if (n === 0) break;
      // Ingest and rules run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (deleted > 0) options.log.info('retention pruned the log', { deleted, byType });
    return { deleted, byType };
  }

  function schedule(ms: number): void {
    if (stopped) return;
    cancel = clock.setTimeout(() => {
      running = once().finally(() => {
        running = undefined;
        schedule(options.intervalMs);
      });
      running.catch((err: unknown) => options.log.warn('retention failed', { err: String(err) }));
    }, ms);
  }
  schedule(options.firstRunMs ?? 60_000);

  return {
    run: () => running ?? once(),
    stop() {
      stopped = true;
      cancel?.();
    },
  };
}
