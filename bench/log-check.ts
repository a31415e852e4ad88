// Counts what the gateway wrote to its SQLite log, to check that every published message was logged.
import Database from 'better-sqlite3';

export interface LogCounts {
  byType: Record<string, number>;
  total: number;
}

export function countLog(dbFile: string): LogCounts {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT type, COUNT(*) AS n FROM events GROUP BY type ORDER BY type').all() as { type: string; n: number }[];
    const byType = Object.fromEntries(rows.map((r) => [r.type, r.n]));
    return { byType, total: rows.reduce((s, r) => s + r.n, 0) };
  } finally {
    db.close();
  }
}
