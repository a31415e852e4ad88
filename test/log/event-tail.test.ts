// New events wait in an unindexed tail and are folded into the indexed table a thousand at a time:
// readers see them at once, a redelivery is stored once wherever the first copy sits, and a log
// written before the tail existed upgrades in place.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openDatabase, type Db } from '../../gateway/log/database.ts';
import { createEventStore, FOLD_ROWS, FOLD_ROWS_UNDER_LOAD, type EventStore } from '../../gateway/log/event-store.ts';
import { createCommitter } from '../../gateway/log/committer.ts';
import { createEventReader } from '../../gateway/log/event-reader.ts';
import type { NewEvent } from '../../gateway/events/event.ts';
import { tempDir } from '../helpers/gateway-process.ts';

const dir = tempDir('firstlight-tail-');
let db: Db | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
  dir.remove();
});

const event = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  id: `e-${n}`,
  source: '/t/devices/hall%2Fmotion',
  type: n % 2 ? 'sensor.occupancy' : 'sensor.illuminance',
  time: new Date(Date.UTC(2026, 10, 27) + n * 1000).toISOString(),
  partitionkey: n % 3 ? 'hall' : 'kitchen',
  data: { n },
  ...extra,
});
const rows = (d: Db, table: string): number => d.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
/** Appends in transactions of `perCommit`, as the committer would (the fold runs at each commit's end). */
function appendAll(store: EventStore, d: Db, events: NewEvent[], perCommit = 1): Array<number | undefined> {
  const seqs: Array<number | undefined> = [];
  for (let i = 0; i < events.length; i += perCommit) {
    d.transaction(() => {
      for (const e of events.slice(i, i + perCommit)) seqs.push(store.append(e));
      store.fold();
    })();
  }
  return seqs;
}

describe('the tail of the log', () => {
  it('is read with the rest: by position, type, key, time and id, before and after a fold', () => {
    db = openDatabase({ file: join(dir.path, 'a.db') });
    const store = createEventStore(db);
    const reader = createEventReader(db);
    appendAll(store, db, Array.from({ length: FOLD_ROWS + 10 }, (_, i) => event(i + 1)));
    // The fold ran when the tail reached FOLD_ROWS; the ten after it wait in the tail.
    expect(rows(db, 'event_log')).toBe(FOLD_ROWS);
    expect(rows(db, 'event_tail')).toBe(10);
    const all = store.after(0, 10_000);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: FOLD_ROWS + 10 }, (_, i) => i + 1));
    expect(all.at(-1)).toMatchObject({ id: `e-${FOLD_ROWS + 10}`, data: { n: FOLD_ROWS + 10 }, partitionkey: 'hall' });
    expect(store.head()).toBe(FOLD_ROWS + 10);
    expect(reader.head()).toBe(FOLD_ROWS + 10);
    // Newest first across both tables, with filters that use the indexes on one side only.
    expect(store.query({ type: 'sensor.occupancy', key: 'kitchen', newest: true, limit: 2 }).map((e) => e.id)).toEqual(['e-999', 'e-1005']);
    expect(store.query({ since: event(FOLD_ROWS - 1).time, until: event(FOLD_ROWS + 2).time }).map((e) => e.seq)).toEqual([999, 1000, 1001, 1002]);
    expect(store.byId('e-1009')?.seq).toBe(1009);
    expect(store.byId('e-3')?.seq).toBe(3);
    expect(reader.keys(10)).toEqual(['hall', 'kitchen']);

    db.transaction(() => store.fold(1))();
    expect(rows(db, 'event_tail')).toBe(0);
    expect(store.after(0, 10_000)).toEqual(all);
  });

  it('stores a redelivery once, whether the first copy is still in the tail or already folded', () => {
    db = openDatabase({ file: join(dir.path, 'b.db') });
    const store = createEventStore(db);
    expect(appendAll(store, db, [event(1), event(2), event(1)])).toEqual([1, 2, undefined]);
    db.transaction(() => store.fold(1))();
    expect(appendAll(store, db, [event(2), event(3)])).toEqual([undefined, 3]);
    // Same id from another source is another event.
    expect(appendAll(store, db, [event(3, { source: '/t/elsewhere' })])).toEqual([4]);
    // A store opened on the log later (a restart) knows the tail's events too.
    expect(appendAll(createEventStore(db), db, [event(3), event(4)])).toEqual([undefined, 5]);
  });

  it('counts events whose id was minted here towards the fold without looking them up, and still catches a repeated producer id', () => {
    db = openDatabase({ file: join(dir.path, 'm.db') });
    const store = createEventStore(db);
    db.transaction(() => {
      for (let i = 1; i <= FOLD_ROWS; i++) expect(store.append(event(i), true)).toBe(i);
      expect(store.fold()).toBe(FOLD_ROWS);
    })();
    expect(rows(db, 'event_log')).toBe(FOLD_ROWS);
    expect(rows(db, 'event_tail')).toBe(0);
    // A producer's id (not minted) is looked for, in the indexed table and in the tail.
    expect(appendAll(store, db, [event(5), event(FOLD_ROWS + 1), event(FOLD_ROWS + 1)])).toEqual([undefined, FOLD_ROWS + 1, undefined]);
    // The count survives a restart: a new store counts the tail's rows, minted or not.
    const again = createEventStore(db);
    db.transaction(() => {
      for (let i = 0; i < FOLD_ROWS - 2; i++) again.append(event(10_000 + i), true);
      expect(again.fold()).toBe(0);
      again.append(event(20_000), true);
      expect(again.fold()).toBe(FOLD_ROWS);
    })();
  });

  it('forgets appends whose transaction rolled back, so the same event can come again', () => {
    db = openDatabase({ file: join(dir.path, 'c.db') });
    const store = createEventStore(db);
    expect(() =>
      db!.transaction(() => {
        store.append(event(1));
        throw new Error('disk full');
      })(),
    ).toThrow('disk full');
    store.resetHead();
    expect(appendAll(store, db, [event(1)])).toEqual([1]);
    expect(store.after(0, 10).map((e) => e.id)).toEqual(['e-1']);
  });

  it('upgrades a log written before it: every event kept, in the indexed table, and the log writable', () => {
    const file = join(dir.path, 'old.db');
    mkdirSync(dir.path, { recursive: true });
    const old = new Database(file);
    old.pragma('page_size = 1024');
    old.pragma('journal_mode = WAL');
    for (const [v, sql] of MIGRATIONS.slice(0, 2).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${v + 1}`);
    }
    const insert = old.prepare("INSERT INTO events (seq, id, source, type, time, data) VALUES (?, ?, '/old', 'sensor.occupancy', '2026-01-01T00:00:00Z', '{}')");
    for (let i = 1; i <= 5; i++) insert.run(i, `old-${i}`);
    old.close();

    db = openDatabase({ file });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(rows(db, 'event_log')).toBe(5);
    const store = createEventStore(db);
    expect(store.head()).toBe(5);
    expect(appendAll(store, db, [event(1, { id: 'old-5', source: '/old' }), event(6)])).toEqual([undefined, 6]);
    expect(store.query({ type: 'sensor.occupancy' }).map((e) => e.id)).toEqual(['old-1', 'old-2', 'old-3', 'old-4', 'old-5']);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'timers_by_due'").get()).toBeUndefined();
    expect((db.pragma('integrity_check') as Array<{ integrity_check: string }>)[0]!.integrity_check).toBe('ok');
  });

  it('takes inserts into the events view (tools written against the single table) into the indexed table', () => {
    db = openDatabase({ file: join(dir.path, 'd.db') });
    db.prepare("INSERT INTO events (id, source, type, time, data) VALUES ('x', '/tool', 'test.ping', '2026-01-01T00:00:00Z', '{}')").run();
    expect(db.prepare('SELECT seq, id, replayed FROM event_log').all()).toEqual([{ seq: 1, id: 'x', replayed: 0 }]);
    expect(createEventStore(db).head()).toBe(1);
  });

  it('is folded in smaller batches while events arrive at hundreds a second, in big ones at a building\'s rates', () => {
    db = openDatabase({ file: join(dir.path, 'e.db') });
    const store = createEventStore(db);
    let ms = 0;
    const committer = createCommitter({ db, store, onError: (err) => { throw err; }, schedule: () => {}, now: () => ms });
    let n = 0;
    /** One commit of `count` new events at time `at`. */
    const commit = (at: number, count: number): void => {
      ms = at;
      committer.submit({ write: () => { for (let i = 0; i < count; i++) committer.append(event(++n)); } });
      committer.flushNow();
    };
    // 20 events a second for 30 s: 600 events wait in the tail, below FOLD_ROWS.
    for (let s = 0; s < 30; s++) for (let k = 0; k < 20; k++) commit(s * 1000 + k * 50, 1);
    expect(rows(db!, 'event_tail')).toBe(600);
    expect(rows(db!, 'event_log')).toBe(0);
    // Then 1,000 events within 0.2 s; the commit that closes that second measures the rate, and the
    // next one folds the tail at FOLD_ROWS_UNDER_LOAD rows.
    for (let k = 0; k < 20; k++) commit(30_000 + k * 10, 50);
    commit(31_000, 1);
    const waiting = rows(db!, 'event_tail');
    expect(waiting).toBeGreaterThanOrEqual(FOLD_ROWS_UNDER_LOAD);
    expect(waiting).toBeLessThan(FOLD_ROWS);
    commit(31_010, 1);
    expect(rows(db!, 'event_tail')).toBe(0);
    // Quiet again (10 a second for a minute): after a second at that rate, big folds again.
    for (let k = 0; k < 600; k++) commit(32_000 + k * 100, 1);
    expect(rows(db!, 'event_tail')).toBeGreaterThan(FOLD_ROWS_UNDER_LOAD);
    expect(rows(db!, 'event_tail')).toBeLessThan(FOLD_ROWS);
    expect(store.after(0, 10_000).map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
