// Doctor: is the log's database intact (SQLite quick_check), and how big is it?
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail, ok, warn, type Finding } from './finding.ts';
import { DEFAULT_PAGE_SIZE } from '../../log/page-size.ts';

export interface DatabaseReport {
  findings: Finding[];
  /** Time of the newest event, for the clock check. */
  newestEvent?: string | undefined;
}

const RESTORE = (file: string): string =>
  `stop firstlight, move the damaged file aside ("mv ${file} ${file}.damaged"; remove ${file}-wal and ${file}-shm with it), then restore your newest backup to ${file}, or start without one to begin a new log`;

const PAGE_SIZE_FIX = (file: string): string =>
  `unless you chose that page size (storage.pageSize): stop firstlight, "firstlight backup --data ${dirname(file)} --page-size ${DEFAULT_PAGE_SIZE} ${file}.new", move ${file}.new to ${file} (remove ${file}-wal and ${file}-shm), start it again`;

export function checkDatabase(file: string): DatabaseReport {
  if (!existsSync(file)) return { findings: [ok('database', `no log yet at ${file} (the gateway creates it at first start)`)] };
  let db: Database.Database | undefined;
  try {
    // Read-only and beside a running gateway: WAL lets this read while it writes.
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    // quick_check: integrity_check without the index-content cross-checks, O(N) rather than O(N log N).
    const problems = (db.pragma('quick_check(20)') as { quick_check: string }[])
      .flatMap((r) => r.quick_check.split('\n'))
      .filter((line) => line !== '' && !line.startsWith('*** in database'));
    if (problems.length !== 1 || problems[0] !== 'ok') {
      return { findings: [fail('database', `${file} is damaged: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ' ...' : ''}`, RESTORE(file))] };
    }
    const row = db.prepare('SELECT count(*) AS n, max(time) AS newest FROM events').get() as { n: number; newest: string | null };
    const mib = (statSync(file).size / 1048576).toFixed(1);
    const intact = `${file} passes quick_check: ${row.n} events, ${mib} MiB`;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    // A log keeps the page size it was created with; one from before 1 KiB became the default
    // writes more per event than it needs to, and only a rewrite changes that.
    const finding = pageSize > DEFAULT_PAGE_SIZE
      ? warn('database', `${intact}; its ${pageSize / 1024} KiB pages write more per event than the ${DEFAULT_PAGE_SIZE / 1024} KiB pages a new log gets (SD-card wear)`, PAGE_SIZE_FIX(file))
      : ok('database', intact);
    return { findings: [finding], newestEvent: row.newest ?? undefined };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'SQLITE_CANTOPEN' || e.code === 'SQLITE_PERM' || e.code === 'SQLITE_READONLY') {
      return { findings: [fail('database', `cannot open ${file}: ${e.message}`, `let the user that runs firstlight read and write it and its directory: sudo chown -R <user> ${file.replace(/\/[^/]*$/, '')}`)] };
    }
    return { findings: [fail('database', `${file} is damaged: ${e.message}`, RESTORE(file))] };
  } finally {
    db?.close();
  }
}
