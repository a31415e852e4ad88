// Moves the WAL into the database file from a worker thread with a connection of its own, so that a
// checkpoint never stalls the event loop (or a commit), and truncates the WAL on stop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.ts';

export interface Checkpointer {
  /** Stops checkpointing; resolves once the worker's connection is closed. */
  stop(): Promise<void>;
}

// Plain CommonJS, evaluated in the worker: it needs no TypeScript loader, only better-sqlite3.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// The checkpoint syncs the database file as the log's own connection would.
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try {
    // PASSIVE never waits for readers (a \`firstlight events --follow\`) nor blocks the writer.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage(String(err && err.message || err));
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * A checkpoint copies every page written since the last one and syncs the file: 4-7 ms at 1,000
 * events/s (bench, --quick), which on the event loop became the p99 of publish-to-command latency.
 */
export function startCheckpointer(db: Db, intervalMs: number, onError: (err: unknown) => void): Checkpointer {
  const synchronous = db.pragma('synchronous', { simple: true }) === 1 ? 'NORMAL' : 'FULL';
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: db.name, synchronous, intervalMs },
    execArgv: [],
  });
  worker.unref();
  worker.on('message', (message: string) => onError(new Error(message)));
  worker.on('error', onError);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop() {
      worker.postMessage('stop');
      return exited;
    },
  };
}

/** Checkpoints everything and empties the WAL (on clean shutdown). */
export function truncateWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
