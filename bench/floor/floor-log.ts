// The durable floor's log: one row per fact in an events table with two indexes, WAL mode; the same
// code runs on the floor's event loop or on its writer thread (bench/floor/writer-thread.ts).
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface FloorStorage {
  synchronous: 'OFF' | 'NORMAL' | 'FULL';
  /** SQLite's wal_autocheckpoint, pages; 0: never. */
  walAutocheckpoint: number;
}

/** The floor's settings (the bench's --floor-* options): its storage, and where it commits. */
export interface FloorSettings extends FloorStorage {
  writer: 'main' | 'thread';
}

/** One motion message: the room (its stream) and the payload as received. */
export interface Fact {
  room: string;
  data: string;
}

export interface FloorLog {
  /** Appends the facts in one transaction and commits. */
  commit(facts: Fact[]): void;
  close(): void;
}

export function openFloorLog(dir: string, storage: FloorStorage): FloorLog {
  const db = new Database(join(dir, 'log.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${storage.synchronous}`);
  db.pragma(`wal_autocheckpoint = ${storage.walAutocheckpoint}`);
  db.exec(`CREATE TABLE IF NOT EXISTS events (position INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT NOT NULL, stream TEXT NOT NULL, data TEXT NOT NULL);
           CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
           CREATE INDEX IF NOT EXISTS events_by_stream ON events (stream, position);`);
  const insert = db.prepare('INSERT INTO events (time, type, stream, data) VALUES (?, ?, ?, ?)');
  const commit = db.transaction((facts: Fact[]) => {
    const now = Date.now();
    for (const f of facts) insert.run(now, 'sensor.occupancy', f.room, f.data);
  });
  return { commit, close: () => db.close() };
}
