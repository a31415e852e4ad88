// Copies the log while the gateway runs, through SQLite's online backup API, into one self-contained file
// (or, to change its page size, through VACUUM INTO).
import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { FirstlightError } from '../errors.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  /** Events in the copy and the newest position it holds. */
  events: number;
  lastPosition: number;
  ms: number;
}

/**
 * Backs up `dbFile` to `dest`. The copy is one consistent snapshot: it holds every transaction
 * committed before the copy began (so every event acknowledged by then) and none after. It is written
 * to a temporary name and renamed into place, so an interrupted backup never leaves a partial file
 * where a good one was.
 */
export async function backupDatabase(dbFile: string, dest: string, options: { force?: boolean; pageSize?: number } = {}): Promise<BackupResult> {
  if (!existsSync(dbFile)) throw new FirstlightError('FL_ERR_NO_LOG', `no log at ${dbFile}`, ['start the gateway first, or point --data at the directory it writes to']);
  if (existsSync(dest) && !options.force) {
    throw new FirstlightError('FL_ERR_BACKUP_EXISTS', `${dest} already exists`, ['choose another file name, or add --force to replace it']);
  }
  if (!existsSync(dirname(dest))) throw new FirstlightError('FL_ERR_BACKUP_FAILED', `directory ${dirname(dest)} does not exist`, ['create it first']);
  const started = performance.now();
  const partial = join(dirname(dest), `.${basename(dest)}.partial-${process.pid}`);
  // Read-only: the backup never writes to the live log, and a gateway writing to it is not blocked
  // (WAL lets readers and the writer work side by side).
  const source = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    if (options.pageSize === undefined) {
      // All pages in one step: one read transaction, hence one snapshot. In small steps a write by the
      // gateway between two steps would restart the copy, and under steady load it might never finish.
      await source.backup(partial, { progress: ({ totalPages }) => Math.max(totalPages, 1) });
    } else {
      // The backup API copies pages as they are; VACUUM INTO rebuilds the tables into pages of the
      // size asked for, also in one read transaction (how an older log moves to smaller pages).
      source.pragma(`page_size = ${options.pageSize}`);
      source.prepare('VACUUM INTO ?').run(partial);
    }
  } catch (err) {
    rmSync(partial, { force: true });
    throw new FirstlightError('FL_ERR_BACKUP_FAILED', `backup of ${dbFile} failed: ${(err as Error).message}`, ['check the free space and permissions where the copy goes']);
  } finally {
    source.close();
  }
  let summary: { events: number; lastPosition: number };
  try {
    summary = finishCopy(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  renameSync(partial, dest);
  return { file: dest, bytes: statSync(dest).size, ...summary, ms: performance.now() - started };
}

/** Makes the copy a single file (no -wal beside it) and checks it before it replaces anything. */
function finishCopy(file: string): { events: number; lastPosition: number } {
  const copy = new Database(file);
  try {
    // The page copy keeps the source's WAL flag; a backup is easier to move around as one file.
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new FirstlightError('FL_ERR_BACKUP_FAILED', `the copy failed its check: ${String(check)}`, ['run "firstlight doctor": the log itself may be damaged']);
    const row = copy.prepare('SELECT count(*) AS events, coalesce(max(seq), 0) AS lastPosition FROM events').get() as { events: number; lastPosition: number };
    return row;
  } finally {
    copy.close();
  }
}
