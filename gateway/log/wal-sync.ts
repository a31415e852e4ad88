// Makes commits durable off the event loop: SQLite commits without an fsync, and the WAL file is
// fsynced on libuv's thread pool while the next group commit is already being built.
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import type { Db } from './database.ts';

/**
 * What synchronous=FULL does in WAL mode is one fsync of the WAL at the end of every commit, on the
 * thread that commits: ours, the only one the broker and the rules have. Here the connection runs
 * with synchronous=NORMAL, which keeps the WAL consistent (and still fsyncs around checkpoints, so a
 * WAL is never reused before the database file holds it), and this fsync of the same file makes the
 * commits durable. The committer tells nobody about a commit (no acknowledgement, no command) before
 * the fsync that covers it has returned, so what a client was told is exactly what FULL promises.
 */
export interface WalSync {
  /** fsyncs the WAL on the thread pool; `done` runs on the event loop. */
  sync(done: (err: Error | null) => void): void;
  /** fsyncs the WAL now, on this thread (a clean stop). */
  syncNow(): void;
  close(): void;
}

/**
 * Switches `db` (a WAL database, opened on `file`) to commits without fsync and returns what makes
 * them durable. SQLite creates the WAL file on open and, while this connection is open, neither
 * deletes nor replaces it (a checkpoint truncates it in place), so one descriptor serves throughout.
 */
export function deferWalSync(db: Db, file: string): WalSync {
  db.pragma('synchronous = NORMAL');
  // Opened for writing only because some systems (Windows) fsync nothing else; nothing is written
  // through it: the file is SQLite's.
  let fd: number | undefined = openSync(`${file}-wal`, 'r+');
  const descriptor = (): number => {
    if (fd === undefined) throw new Error('the WAL syncer is closed');
    return fd;
  };
  return {
    sync(done) {
      // The storage status reads SQLite's codes; an fsync that fails is its I/O error.
      fsync(descriptor(), (err) => done(err ? Object.assign(err, { code: 'SQLITE_IOERR_FSYNC' }) : null));
    },
    syncNow() {
      fsyncSync(descriptor());
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
