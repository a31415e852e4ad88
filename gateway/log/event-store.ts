// Appends events to the log and reads them back; the only code that knows the events table's columns.
import type { Db } from './database.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';

export interface EventRow {
  seq: number;
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string | null;
  partitionkey: string | null;
  causationid: string | null;
  correlationid: string | null;
  ruleversion: string | null;
  replayed: number;
  data: string;
  extensions: string | null;
  raw_topic: string | null;
  raw_payload: string | null;
}

/** Filters for reading the log. Every filter is optional; results are in log order. */
export interface EventQuery {
  /** Exact type, or a prefix ending in ".*" ("room.*"). */
  type?: string | undefined;
  /** Stream key (partitionkey). */
  key?: string | undefined;
  source?: string | undefined;
  /** RFC 3339 times, inclusive. */
  since?: string | undefined;
  until?: string | undefined;
  /** Only events after this position. */
  after?: number | undefined;
  /** Only events before this position (paging back). */
  before?: number | undefined;
  limit?: number | undefined;
  /** With a limit: take the newest events (still returned oldest first). */
  newest?: boolean | undefined;
}

export interface EventStore {
  /**
   * Inserts an event at the next position. Returns its position, or undefined when an event with the
   * same (source, id) is already in the log (a redelivery).
   */
  append(event: NewEvent): number | undefined;
  /** The position of the newest event, 0 for an empty log. */
  head(): number;
  /** Forgets positions handed out by appends that were rolled back. */
  resetHead(): void;
  /** Events after `seq`, oldest first, at most `limit`. */
  after(seq: number, limit: number): LoggedEvent[];
  query(q: EventQuery): LoggedEvent[];
  byId(id: string): LoggedEvent | undefined;
}

export function createEventStore(db: Db): EventStore {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO events (seq, id, source, type, time, subject, partitionkey, causationid,
       correlationid, ruleversion, replayed, data, extensions, raw_topic, raw_payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const maxSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM events').pluck();
  const afterStmt = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const byIdStmt = db.prepare('SELECT * FROM events WHERE id = ? ORDER BY seq LIMIT 1');

  // We are the only writer, so positions are handed out here rather than by SQLite: an ignored
  // duplicate then consumes no position, and a caller knows an event's position before commit.
  let head = maxSeq.get() as number;

  return {
    append(e) {
      const seq = head + 1;
      const result = insert.run(
        seq,
        e.id,
        e.source,
        e.type,
        e.time,
        e.subject ?? null,
        e.partitionkey ?? null,
        e.causationid ?? null,
        e.correlationid ?? null,
        e.ruleversion ?? null,
        e.replayed ? 1 : 0,
        JSON.stringify(e.data ?? null),
        e.extensions ? JSON.stringify(e.extensions) : null,
        e.raw?.topic ?? null,
        e.raw?.payload ?? null,
      );
      if (result.changes === 0) return undefined;
      head = seq;
      return seq;
    },
    head: () => head,
    resetHead() {
      head = maxSeq.get() as number;
    },
    after(seq, limit) {
      return (afterStmt.all(seq, limit) as EventRow[]).map(fromRow);
    },
    query(q) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (q.type) {
        if (q.type.endsWith('.*')) {
          // A range instead of LIKE so the type index is used.
          const prefix = q.type.slice(0, -1);
          where.push('type >= ? AND type < ?');
          args.push(prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1));
        } else {
          where.push('type = ?');
          args.push(q.type);
        }
      }
      if (q.key !== undefined) {
        where.push('partitionkey = ?');
        args.push(q.key);
      }
      if (q.source !== undefined) {
        where.push('source = ?');
        args.push(q.source);
      }
      if (q.since !== undefined) {
        where.push('time >= ?');
        args.push(q.since);
      }
      if (q.until !== undefined) {
        where.push('time <= ?');
        args.push(q.until);
      }
      if (q.after !== undefined) {
        where.push('seq > ?');
        args.push(q.after);
      }
      if (q.before !== undefined) {
        where.push('seq < ?');
        args.push(q.before);
      }
      const order = q.newest ? 'DESC' : 'ASC';
      const limit = q.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(q.limit))}` : '';
      const sql = `SELECT * FROM events${where.length ? ' WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${order}${limit}`;
      const rows = (db.prepare(sql).all(...args) as EventRow[]).map(fromRow);
      return q.newest ? rows.reverse() : rows;
    },
    byId(id) {
      const row = byIdStmt.get(id) as EventRow | undefined;
      return row ? fromRow(row) : undefined;
    },
  };
}

export function fromRow(r: EventRow): LoggedEvent {
  const e: LoggedEvent = {
    seq: r.seq,
    id: r.id,
    source: r.source,
    type: r.type,
    time: r.time,
    data: JSON.parse(r.data),
  };
  if (r.subject !== null) e.subject = r.subject;
  if (r.partitionkey !== null) e.partitionkey = r.partitionkey;
  if (r.causationid !== null) e.causationid = r.causationid;
  if (r.correlationid !== null) e.correlationid = r.correlationid;
  if (r.ruleversion !== null) e.ruleversion = r.ruleversion;
  if (r.replayed) e.replayed = true;
  if (r.extensions !== null) e.extensions = JSON.parse(r.extensions);
  if (r.raw_topic !== null) e.raw = { topic: r.raw_topic, payload: r.raw_payload ?? '' };
  return e;
}
