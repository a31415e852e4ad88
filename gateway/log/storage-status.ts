// Says why the log cannot take writes (a full disk, a read-only file system) once, and again when it
// can: while commits fail nothing new is stored or acknowledged, and ingest resumes by itself once a
// commit succeeds, without a restart (reliability-security.md test 8).
import type { LogSink } from '../logger.ts';

export interface StorageState {
  writable: boolean;
  /** SQLite's code of the last failure (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR...). */
  code?: string | undefined;
  /** What it means, for a person. */
  problem?: string | undefined;
  /** Commits that failed since the log last took a write. */
  failedCommits: number;
}

export interface StorageStatus {
  state(): StorageState;
  /** A commit failed (the committer's error hook calls this). */
  failed(err: unknown): void;
  /** A commit succeeded. */
  committed(): void;
}

const PROBLEMS: Record<string, string> = {
  SQLITE_FULL: 'the disk (or the log size limit) is full: free space on the data disk',
  // Matched before SQLITE_IOERR: unlike the others it does not pass by itself (committer.ts says why).
  SQLITE_IOERR_FSYNC: 'an fsync of the log failed, so what the disk did not take may be gone: the log takes no writes until firstlight is restarted; check the storage device',
  SQLITE_READONLY: 'the log is read-only: check the file system and the data directory permissions',
  SQLITE_IOERR: 'the disk reports I/O errors: check the storage device',
  SQLITE_CORRUPT: 'the log is corrupt: stop firstlight; the next start moves it aside and starts a fresh one',
};

/** How often a continuing failure is logged again, with a count. */
const REPEAT_MS = 10_000;

export function createStorageStatus(deps: { log: Pick<LogSink, 'error' | 'info'>; now(): number }): StorageStatus {
  let failing: { code: string; problem: string; since: number; count: number; lastLogged: number } | undefined;

  return {
    state: () => (failing ? { writable: false, code: failing.code, problem: failing.problem, failedCommits: failing.count } : { writable: true, failedCommits: 0 }),
    failed(err) {
      const code = String((err as { code?: unknown } | null)?.code ?? 'UNKNOWN');
      const family = Object.keys(PROBLEMS).find((k) => code === k || code.startsWith(`${k}_`));
      const problem = family ? PROBLEMS[family]! : `commits fail: ${(err as Error)?.message ?? String(err)}`;
      const now = deps.now();
      if (failing && failing.code === code) {
        failing.count++;
        if (now - failing.lastLogged < REPEAT_MS) return;
        failing.lastLogged = now;
        deps.log.error('the log still cannot take writes: nothing new is stored or acknowledged', { code, problem, failedCommits: failing.count });
        return;
      }
      failing = { code, problem, since: now, count: (failing?.count ?? 0) + 1, lastLogged: now };
      deps.log.error('the log cannot take writes: nothing new is stored or acknowledged until it can; ingest resumes by itself', { code, problem, error: (err as Error)?.message });
    },
    committed() {
      if (!failing) return;
      deps.log.info('the log takes writes again: ingest resumed', { failedCommits: failing.count, downMs: deps.now() - failing.since });
      failing = undefined;
    },
  };
}
