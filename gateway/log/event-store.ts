// Appends events to the log (its unindexed tail, folded into the indexed table in batches) and reads
// them back; the only code that knows the events tables' columns.
import { EVENT_COLUMNS, logTables, type Db } from './database.ts';
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
   * same (source, id) is already in the log (a redelivery). `minted`: the id was made for this event
   * here (newEventId), so no other event can share it and the log is not searched for one.
   */
  append(event: NewEvent, minted?: boolean): number | undefined;
  /** The position of the newest event, 0 for an empty log. */
  head(): number;
  /** Forgets positions handed out, and tail events noted, by appends that were rolled back. */
  resetHead(): void;
  /**
   * Moves the tail's events into the indexed table when it holds at least `minRows` (default
   * FOLD_ROWS; 1 moves any). Only inside a transaction; returns how many moved.
   */
  fold(minRows?: number): number;
  /** Events after `seq`, oldest first, at most `limit`. */
  after(seq: number, limit: number): LoggedEvent[];
  query(q: EventQuery): LoggedEvent[];
  byId(id: string): LoggedEvent | undefined;
}

/**
 * Events the tail holds before they are folded into the indexed table. A fold writes each index page
 * it touches once for all of them; the readers' scans of the unindexed tail stay this short.
 */
export const FOLD_ROWS = 1000;
/**
 * The fold size under sustained load (see committer.ts): commits then share their pages anyway, and
 * a fold's commit (a few ms for 1,000 rows) delays whatever arrives meanwhile.
 */
export const FOLD_ROWS_UNDER_LOAD = 250;

const COLUMNS = EVENT_COLUMNS.join(', ');

export function createEventStore(db: Db): EventStore {
  const afterStmt = db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?');
  const byIdStmt = db.prepare('SELECT * FROM events WHERE id = ? ORDER BY seq LIMIT 1');
  const maxSeq = db.prepare(logTables(db).headSql).pluck();
  // The append path is prepared on first use: a read-only connection to a log an older gateway wrote
  // has no tail table yet, and never appends.
  let writer: ReturnType<typeof prepareWriter> | undefined;
  // (source, id) of the tail's events: the tail has no unique index, so redeliveries are caught here
  // (and in the indexed table by its own). Loaded from the table on first use and after a rollback,
  // with the count of the tail's rows (minted ids are counted, not kept: nothing can repeat them).
  let tailKeys: Set<string> | undefined;
  let tailRows = 0;
  const keyOf = (source: string, id: string): string => `${source}\u0000${id}`;

  function prepareWriter() {
    return {
      insert: db.prepare(`INSERT INTO event_tail (${COLUMNS}) VALUES (${EVENT_COLUMNS.map(() => '?').join(', ')})`),
      inLog: db.prepare('SELECT 1 FROM event_log WHERE id = ? AND source = ?').pluck(),
      tailRows: db.prepare('SELECT source, id FROM event_tail'),
      // OR IGNORE: every tail row was checked against the log when it was appended, so nothing is
      // dropped here; a fold must never fail and take the acknowledgements of its transaction along.
      copy: db.prepare(`INSERT OR IGNORE INTO event_log (${COLUMNS}) SELECT ${COLUMNS} FROM event_tail ORDER BY seq`),
      clear: db.prepare('DELETE FROM event_tail'),
    };
  }
  function tail(w: NonNullable<typeof writer>): Set<string> {
    if (tailKeys) return tailKeys;
    const rows = w.tailRows.all() as Array<{ source: string; id: string }>;
    tailRows = rows.length;
    return (tailKeys = new Set(rows.map((r) => keyOf(r.source, r.id))));
  }

  // We are the only writer, so positions are handed out here rather than by SQLite: an ignored
  // duplicate then consumes no position, and a caller knows an event's position before commit.
  let head = maxSeq.get() as number;

  return {
    append(e, minted = false) {
      writer ??= prepareWriter();
      const keys = tail(writer);
      const key = minted ? undefined : keyOf(e.source, e.id);
      if (key !== undefined && (keys.has(key) || writer.inLog.get(e.id, e.source) !== undefined)) return undefined;
      const seq = head + 1;
      writer.insert.run(
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
      if (key !== undefined) keys.add(key);
      tailRows++;
      head = seq;
      return seq;
    },
    fold(minRows = FOLD_ROWS) {
      writer ??= prepareWriter();
      tail(writer);
      const rows = tailRows;
      if (rows === 0 || rows < minRows) return 0;
      writer.copy.run();
      writer.clear.run();
      tailKeys = new Set();
      tailRows = 0;
      return rows;
    },
    head: () => head,
    resetHead() {
      head = maxSeq.get() as number;
      tailKeys = undefined;
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
