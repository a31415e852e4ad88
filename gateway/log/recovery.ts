// Opens the log at start, and when the file is corrupt (it is not a database, or fails quick_check)
// moves it aside as <file>.corrupt.<time> with its -wal and -shm, starts a fresh log and records
// why in it: the gateway comes up instead of crash-looping, and the old file is kept for a person.
import { existsSync, renameSync } from 'node:fs';
import type { Clock } from '../clock.ts';
import { newEventId } from '../events/ids.ts';
import type { LogSink } from '../logger.ts';
import { openDatabase, type Db, type OpenOptions } from './database.ts';
import { createEventStore } from './event-store.ts';

export interface Recovered {
  /** Where the corrupt file now is. */
  movedTo: string;
  /** What quick_check (or opening) said. */
  reason: string;
}

export interface RecoveryOptions extends OpenOptions {
  clock: Pick<Clock, 'now'>;
  /** e.g. "/sites/home": the storage.corrupt event's source is <sourceBase>/storage. */
  sourceBase: string;
  log: Pick<LogSink, 'error'>;
}

/** SQLite's answers for a file that is not (or no longer) a database it can read. */
const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_CORRUPT_INDEX', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_VTAB']);

/** What is wrong with the file, or undefined when it opens and passes quick_check (then `db` is it). */
function check(options: OpenOptions): { db: Db } | { reason: string } {
  let db: Db | undefined;
  try {
    db = openDatabase(options);
    // quick_check: the structural checks of integrity_check without the slow index cross-checks.
    const rows = db.pragma('quick_check(20)') as Array<{ quick_check: string }>;
    const result = rows.map((r) => r.quick_check);
    if (result.length === 1 && result[0] === 'ok') return { db };
    db.close();
    return { reason: `quick_check: ${result.join('; ')}` };
  } catch (err) {
    db?.close();
    const code = (err as { code?: string }).code;
    if (code === undefined || !CORRUPT_CODES.has(code)) throw err;
    return { reason: `${code}: ${(err as Error).message}` };
  }
}

export function openLogWithRecovery(options: RecoveryOptions): { db: Db; recovered?: Recovered } {
  const { file } = options;
  const open = { file, synchronous: options.synchronous, pageSize: options.pageSize };
  if (file === ':memory:' || !existsSync(file)) return { db: openDatabase(open) };
  const first = check(open);
  if ('db' in first) return { db: first.db };

  const at = new Date(options.clock.now());
  // No ":" in the name: the file may be copied to a system that does not allow it.
  const movedTo = `${file}.corrupt.${at.toISOString().replace(/:/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, movedTo + suffix);
  }
  const db = openDatabase(open);
  const store = createEventStore(db);
  db.transaction(() => {
    store.append({
      id: newEventId(at.getTime()),
      source: `${options.sourceBase}/storage`,
      type: 'storage.corrupt',
      time: at.toISOString(),
      data: { file, movedTo, reason: first.reason },
    });
  })();
  options.log.error('the log was corrupt: it was moved aside and a fresh log started', { file, movedTo, reason: first.reason });
  return { db, recovered: { movedTo, reason: first.reason } };
}
