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

const migrations: readonly string[] = [
  `
  CREATE TABLE events (
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
    raw_payload   TEXT,
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
];

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
  if (current > migrations.length) {
    throw Object.assign(
      new Error(`the log was written by a newer firstlight (schema ${current}, this one knows ${migrations.length}); upgrade firstlight`),
      { code: 'FL_ERR_SCHEMA_NEWER' },
    );
  }
  for (let v = current; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
