// Read-only queries over the log for lineage and the live views. Meant for a second, read-only
// connection: better-sqlite3 is synchronous, so every query here is an index lookup or has a LIMIT.
import type { LoggedEvent } from '../events/event.ts';
import type { DeviceIndexedType, LineageLog, RoomIndexedType } from '../lineage/reader.ts';
import type { DeviceInfo } from '../sdk/device.ts';
import { logTables, type Db } from './database.ts';
import { createEventStore, fromRow, type EventQuery, type EventRow } from './event-store.ts';

export interface ConsumerRow {
  name: string;
  position: number;
  version: string | null;
}

export interface EventReader extends LineageLog {
  head(): number;
  query(q: EventQuery): LoggedEvent[];
  /** Distinct stream keys, by a skip-scan of the key index (one lookup per key, not per event). */
  keys(limit: number): string[];
  /** Devices as persisted by the gateway (configured-only devices live in its memory, not here). */
  persistedDevices(): DeviceInfo[];
  consumers(): ConsumerRow[];
  /** The newest message of each device after position `after` (device facts carry their raw message). */
  lastSeenAfter(after: number): Map<string, { seq: number; time: string }>;
}

export function createEventReader(db: Db): EventReader {
  // The store's query builder and row mapping, without its append path.
  const store = createEventStore(db);
  const one = (sql: string) => {
    const stmt = db.prepare(sql);
    return (...args: unknown[]): LoggedEvent | undefined => {
      const row = stmt.get(...args) as EventRow | undefined;
      return row ? fromRow(row) : undefined;
    };
  };
  const bySeq = one('SELECT * FROM events WHERE seq = ?');
  // One type per statement: it is what lets SQLite use the partial indexes (see database.ts).
  const latestOfDevice = one('SELECT * FROM events WHERE subject = ? AND type = ? ORDER BY seq DESC LIMIT 1');
  const firstOfDeviceAfter = one('SELECT * FROM events WHERE subject = ? AND type = ? AND seq > ? ORDER BY seq LIMIT 1');
  const latestOfRoom = one('SELECT * FROM events WHERE partitionkey = ? AND type = ? ORDER BY seq DESC LIMIT 1');
  const effects = db.prepare('SELECT * FROM events WHERE causationid = ? ORDER BY seq LIMIT ?');
  // The inner scan reads the key index only; rows are fetched (and parsed) only for the device's own.
  const latestReportInKey = one(
    `SELECT * FROM events WHERE seq IN (SELECT seq FROM events WHERE partitionkey = ? ORDER BY seq DESC LIMIT ?)
       AND subject = ? AND raw_topic IS NOT NULL ORDER BY seq DESC LIMIT 1`,
  );
  const hasKey = db.prepare('SELECT 1 FROM events WHERE partitionkey = ? LIMIT 1').pluck();
  const { indexed, tail, headSql } = logTables(db);
  const head = db.prepare(headSql).pluck();
  // The skip-scan runs on the indexed table, and the tail's few keys are added to it.
  const keys = db.prepare(
    `WITH RECURSIVE k(v) AS (
       SELECT MIN(partitionkey) FROM ${indexed}
       UNION ALL
       SELECT (SELECT MIN(partitionkey) FROM ${indexed} WHERE partitionkey > k.v) FROM k WHERE k.v IS NOT NULL
     )
     SELECT v FROM (SELECT v FROM k WHERE v IS NOT NULL${tail ? ` UNION SELECT partitionkey FROM ${tail} WHERE partitionkey IS NOT NULL` : ''})
     ORDER BY v LIMIT ?`,
  ).pluck();
  const devices = db.prepare('SELECT info FROM devices ORDER BY name').pluck();
  const consumers = db.prepare('SELECT name, position, version FROM consumers ORDER BY name');
  // SQLite takes the bare column `time` from the row that has the MAX(seq).
  const lastSeen = db.prepare(
    'SELECT subject, MAX(seq) AS seq, time FROM events WHERE seq > ? AND raw_topic IS NOT NULL AND subject IS NOT NULL GROUP BY subject',
  );

  return {
    head: () => head.get() as number,
    query: (q) => store.query(q),
    byId: (id) => store.byId(id),
    bySeq: (seq) => bySeq(seq),
    effects: (id, limit) => (effects.all(id, limit) as EventRow[]).map(fromRow),
    latestOfDevice: (device: string, type: DeviceIndexedType) => latestOfDevice(device, type),
    firstOfDeviceAfter: (device: string, type: DeviceIndexedType, after: number) => firstOfDeviceAfter(device, type, after),
    latestOfRoom: (room: string, type: RoomIndexedType) => latestOfRoom(room, type),
    latestReportInKey: (key, device, scan) => latestReportInKey(key, scan, device),
    hasKey: (key) => hasKey.get(key) !== undefined,
    keys: (limit) => keys.all(limit) as string[],
    persistedDevices: () => (devices.all() as string[]).map((info) => JSON.parse(info) as DeviceInfo),
    consumers: () => consumers.all() as ConsumerRow[],
    lastSeenAfter(after) {
      const rows = lastSeen.all(after) as Array<{ subject: string; seq: number; time: string }>;
      return new Map(rows.map((r) => [r.subject, { seq: r.seq, time: r.time }]));
    },
  };
}
