// Opens the SQLite log file with the pragmas our durability promises rest on, and migrates its schema.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_PAGE_SIZE } from './page-size.ts';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path of the database file, or ':memory:' for tests. */
  file: string;
  /**
   * FULL: every commit survives power loss (one fsync per group commit). NORMAL: commits survive a
   * process crash; the last ones may roll back on power loss. Default FULL.
   */
  synchronous?: 'FULL' | 'NORMAL';
  readonly?: boolean;
  /** Page size of a database this call creates; an existing one keeps its own. Default DEFAULT_PAGE_SIZE. */
  pageSize?: number;
}

/**
 * What an event row holds: the log's table (migration 1) and its tail (migration 3) alike, since the
 * `events` view and the fold take rows from one to the other by position. Never edit it: a new
 * column is a new migration that alters both tables.
 */
const EVENT_COLUMN_DEFS = `
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL,
    source        TEXT NOT NULL,
    type          TEXT NOT NULL,
    time          TEXT NOT NULL,
    subject       TEXT,
    partitionkey  TEXT,
    causationid   TEXT,
    correlationid TEXT,
    ruleversion   TEXT,
    replayed      INTEGER NOT NULL DEFAULT 0,
    data          TEXT NOT NULL,
    extensions    TEXT,
    raw_topic     TEXT,
    raw_payload   TEXT`;

/** The events tables' column names, in order. */
export const EVENT_COLUMNS: readonly string[] = [...EVENT_COLUMN_DEFS.matchAll(/^\s*(\w+)\s/gm)].map((m) => m[1]!);

/** The schema, one step per version (user_version); exported for the upgrade tests. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE events (${EVENT_COLUMN_DEFS},
    -- (id, source) rather than (source, id): the same index finds an event by id alone (lineage).
    UNIQUE (id, source)
  ) STRICT;
  CREATE INDEX events_by_type ON events (type, seq);
  CREATE INDEX events_by_key ON events (partitionkey, seq);
  CREATE INDEX events_by_time ON events (time);
  -- What an event caused. Root facts have no cause, so they stay out of this index.
  CREATE INDEX events_by_cause ON events (causationid) WHERE causationid IS NOT NULL;

  -- Each consumer of the log (a rule, the actuator) and how far it has durably got.
  CREATE TABLE consumers (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    version  TEXT
  ) STRICT;

  -- Per-rule, per-key state, written in the same transaction as the rule's outputs and position.
  CREATE TABLE rule_state (
    rule  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (rule, key)
  ) STRICT, WITHOUT ROWID;

  -- Pending timers; they survive restarts and rule reloads.
  CREATE TABLE timers (
    rule          TEXT NOT NULL,
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    due_at        INTEGER NOT NULL,
    data          TEXT,
    set_by        TEXT NOT NULL,
    correlationid TEXT,
    PRIMARY KEY (rule, key, name)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX timers_by_due ON timers (due_at);

  -- What the gateway knows about each device (learned or configured).
  CREATE TABLE devices (
    name TEXT PRIMARY KEY,
    info TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  `,
  // Lineage and the live views ask for "the latest X of this device/room". Partial indexes: only these
  // low-rate types pay for them on insert, sensor readings do not. Queries name one type per lookup
  // (`type = ?`), which is what lets SQLite use an index whose WHERE is a chain of ORs.
  `
  CREATE INDEX events_by_device ON events (subject, type, seq)
    WHERE type = 'command.light' OR type = 'light.state' OR type = 'switch.state'
       OR type = 'device.availability' OR type = 'device.battery';
  CREATE INDEX events_by_room_change ON events (partitionkey, type, seq)
    WHERE type = 'room.entered' OR type = 'room.vacated';
  `,
  // New events go to a tail table without secondary indexes and are folded into the indexed table a
  // thousand at a time (event-store.ts). At a building's rates each message is its own commit, and a
  // commit writes every B-tree page it touched in full: with the four indexes on the commit path a
  // message wrote ~15 pages, most of them index leaves. `events` becomes a view over both tables, so
  // every reader sees every committed event; inserts into the view (older tools, tests) go to the log.
  `
  ALTER TABLE events RENAME TO event_log;
  CREATE TABLE event_tail (${EVENT_COLUMN_DEFS}
  ) STRICT;
  CREATE VIEW events AS SELECT * FROM event_log UNION ALL SELECT * FROM event_tail;
  CREATE TRIGGER events_insert INSTEAD OF INSERT ON events BEGIN
    INSERT INTO event_log (${EVENT_COLUMNS.join(', ')})
    VALUES (${EVENT_COLUMNS.map((c) => (c === 'replayed' ? 'COALESCE(NEW.replayed, 0)' : `NEW.${c}`)).join(', ')});
  END;
  -- A rule that re-arms a timer on every event (an absence) moved its entry in this index every
  -- commit: one page more per message. The pending timers are few; the scheduler scans them instead.
  DROP INDEX timers_by_due;
  `,
];

/**
 * The tables behind the `events` view, for the queries that must name them: SQLite does not take an
 * aggregate (MAX, a skip-scan's MIN) into the arms of a UNION ALL, so over the view it reads every row.
 * A read-only connection to a log an older gateway wrote, and no newer one has opened yet, still has
 * the single `events` table and no tail.
 */
export interface LogTables {
  indexed: 'event_log' | 'events';
  tail: 'event_tail' | undefined;
  /** SQL for the newest position in the log: one lookup per table. */
  headSql: string;
}

export function logTables(db: Db): LogTables {
  const tail = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'event_tail'").pluck().get() !== undefined;
  return tail
    ? {
        indexed: 'event_log',
        tail: 'event_tail',
        headSql: 'SELECT MAX((SELECT COALESCE(MAX(seq), 0) FROM event_log), (SELECT COALESCE(MAX(seq), 0) FROM event_tail))',
      }
    : { indexed: 'events', tail: undefined, headSql: 'SELECT COALESCE(MAX(seq), 0) FROM events' };
}

/** Opens (creating if needed) and migrates the log database. */
export function openDatabase(options: OpenOptions): Db {
  if (options.file !== ':memory:' && !options.readonly) mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (options.readonly) return db;
  // Only an empty file takes a page size, and only before it is switched to WAL.
  if (isEmpty(db)) db.pragma(`page_size = ${options.pageSize ?? DEFAULT_PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  // Checkpoints run from a timer (see checkpointer.ts), never inside a commit: an automatic
  // checkpoint in the commit path is what made 10 ms p99 commits in shared/reference/performance.md.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('journal_size_limit = 67108864');
  db.pragma('temp_store = MEMORY');
  // 16 MiB of page cache (the default is 2 MiB): the indexes' hot pages stay in memory.
  db.pragma('cache_size = -16384');
  migrate(db);
  return db;
}

function isEmpty(db: Db): boolean {
  return db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() === 0;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw Object.assign(
      new Error(`the log was written by a newer firstlight (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade firstlight`),
      { code: 'FL_ERR_SCHEMA_NEWER' },
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
