// /health: is the gateway able to do its job? Storage (commits, database and WAL size), free disk,
// event-loop delay and the rules, each with a status; the worst of them is the overall status.
import { existsSync, statSync, statfsSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LoggedEvent } from '../events/event.ts';
import type { CommitStats } from '../log/committer.ts';
import type { RuleRow } from './rules-view.ts';

export type Status = 'ok' | 'degraded' | 'failing';

export interface HealthDeps {
  dbFile: string;
  dataDir: string;
  commits: CommitStats;
  onCommitted(listener: (events: LoggedEvent[]) => void): () => void;
  rules(): RuleRow[];
  head(): number;
  now(): number;
  version: string;
  site: string;
}

/** How late the event loop ran, over a window. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface Health {
  report(): { status: Status } & Record<string, unknown>;
  files(): { db: number; wal: number };
  /** Event-loop delay over the last whole window (the current one, before the first has ended). */
  eventLoop(): LoopDelay;
  stop(): void;
}

const MiB = 1024 * 1024;
/** The checkpointer copies the WAL every 10 s or ~1,000 events; this size means it is not keeping up. */
const WAL_DEGRADED_BYTES = 64 * MiB;
const EVENT_LOOP_WINDOW_MS = 30_000;
/** Fine enough for the 200 ms threshold below; each sample wakes an idle gateway (a Pi's core). */
const LOOP_RESOLUTION_MS = 100;
/** A loop this late (p99) cannot answer devices promptly: a blocking rule, a huge query. */
const LOOP_DEGRADED_MS = 200;

const worst = (...s: Status[]): Status => (s.includes('failing') ? 'failing' : s.includes('degraded') ? 'degraded' : 'ok');
const size = (file: string): number => (existsSync(file) ? statSync(file).size : 0);

export function createHealth(deps: HealthDeps): Health {
  const startedAt = deps.now();
  // Failures as of the last successful commit: more than that means the newest commit failed.
  let failuresAtLastCommit = deps.commits.failures;
  const off = deps.onCommitted(() => {
    failuresAtLastCommit = deps.commits.failures;
  });
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  let lastWindow: LoopDelay | undefined;
  // The histogram holds whole sampling intervals; the delay is what exceeds the resolution.
  const delayMs = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  const snapshot = (): LoopDelay => ({ p50Ms: delayMs(loop.percentile(50)), p99Ms: delayMs(loop.percentile(99)), maxMs: delayMs(loop.max) });
  const rotate = setInterval(() => {
    lastWindow = snapshot();
    loop.reset();
  }, EVENT_LOOP_WINDOW_MS);
  rotate.unref();

  const files = () => ({ db: size(deps.dbFile), wal: size(`${deps.dbFile}-wal`) });
  const loopDelay = () => lastWindow ?? snapshot();

  return {
    files,
    eventLoop: loopDelay,
    report() {
      const f = files();
      const failing = deps.commits.failures > failuresAtLastCommit;
      const storage = {
        status: (failing ? 'failing' : f.wal > WAL_DEGRADED_BYTES ? 'degraded' : 'ok') as Status,
        dbBytes: f.db,
        walBytes: f.wal,
        commits: deps.commits.commits,
        commitFailures: deps.commits.failures,
        lastCommitMs: Math.round(deps.commits.lastCommitMs * 1000) / 1000,
        // The fsync that makes commits durable, off the event loop (storage.synchronous FULL).
        lastFsyncMs: Math.round(deps.commits.lastSyncMs * 1000) / 1000,
        ...(failing ? { problem: `the newest commit failed (${deps.commits.lastError ?? 'is the disk full or read-only?'}): new input is not being stored or acknowledged` } : {}),
      };
      let disk: Record<string, unknown> & { status: Status };
      try {
        const s = statfsSync(deps.dataDir);
        const free = s.bavail * s.bsize;
        const totalBytes = s.blocks * s.bsize;
        const ratio = totalBytes > 0 ? free / totalBytes : 1;
        disk = {
          status: ratio < 0.01 || free < 50 * MiB ? 'failing' : ratio < 0.05 || free < 500 * MiB ? 'degraded' : 'ok',
          freeBytes: free,
          totalBytes,
          freePercent: Math.round(ratio * 1000) / 10,
        };
      } catch (err) {
        disk = { status: 'degraded', problem: `cannot read free space: ${(err as Error).message}` };
      }
      const delay = loopDelay();
      const eventLoop = { status: (delay.p99Ms > LOOP_DEGRADED_MS ? 'degraded' : 'ok') as Status, windowSeconds: EVENT_LOOP_WINDOW_MS / 1000, ...round(delay) };
      const rules = deps.rules();
      const rulesCheck = {
        status: rules.some((r) => r.status !== 'ok') ? ('degraded' as Status) : ('ok' as Status),
        rules: rules.map((r) => ({ name: r.name, version: r.version, status: r.status, lag: r.lag, failures: r.failures, lastError: r.lastError })),
      };
      return {
        status: worst(storage.status, disk.status, eventLoop.status, rulesCheck.status),
        version: deps.version,
        site: deps.site,
        uptimeSeconds: Math.round((deps.now() - startedAt) / 1000),
        head: deps.head(),
        checks: { storage, disk, eventLoop, rules: rulesCheck },
      };
    },
    stop() {
      off();
      clearInterval(rotate);
      loop.disable();
    },
  };
}

function round(d: LoopDelay): LoopDelay {
  const r = (n: number): number => Math.round(n * 100) / 100;
  return { p50Ms: r(d.p50Ms), p99Ms: r(d.p99Ms), maxMs: r(d.maxMs) };
}
