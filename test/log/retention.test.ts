// Retention prunes by age and size per event type, and never breaks what the log promises: consumers'
// positions, the lineage of kept events, pending timers, the position counter.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import { createEventStore, type EventStore } from '../../gateway/log/event-store.ts';
import { createPruner, type RetentionPolicy } from '../../gateway/log/retention.ts';
import { startRetentionJob } from '../../gateway/log/retention-job.ts';
import { createRuleStore } from '../../gateway/engine/rule-store.ts';
import { SimulatedClock } from '../../gateway/clock.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);
let db: Db;
let store: EventStore;
afterEach(() => db?.close());

function log(): void {
  db = openDatabase({ file: ':memory:' });
  store = createEventStore(db);
}
function add(id: string, type: string, ageDays: number, extra: { causationid?: string; data?: unknown } = {}): number {
  return db.transaction(() => store.append({ id, source: '/t', type, time: new Date(NOW - ageDays * DAY).toISOString(), data: extra.data ?? {}, causationid: extra.causationid }))()!;
}
const ids = (): string[] => store.query({}).map((e) => e.id);
const policy = (p: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ maxAge: 30 * DAY, maxBytes: 1 << 30, types: { 'input.rejected': { maxAge: 7 * DAY } }, ...p });
const everything = () => Number.MAX_SAFE_INTEGER;

describe('pruning by age', () => {
  it('deletes events older than their type allows (exact type, then longest prefix, then the default)', () => {
    log();
    add('entered-100d', 'room.entered', 100);
    add('old-temp', 'sensor.temperature', 40);
    add('old-humidity', 'sensor.humidity', 40);
    add('entered-20d', 'room.entered', 20);
    add('rejected-8d', 'input.rejected', 8);
    add('rejected-3d', 'input.rejected', 3);
    add('newest', 'sensor.temperature', 0);
    const pruner = createPruner(db, store, policy({ types: { 'input.rejected': { maxAge: 7 * DAY }, 'sensor.*': { maxAge: 60 * DAY }, 'sensor.humidity': { maxAge: 10 * DAY } } }), everything);
    expect(pruner.plan(NOW)).toEqual({ total: 3, byType: { 'input.rejected': 1, 'room.entered': 1, 'sensor.humidity': 1 } });
    expect(pruner.pruneBatch(NOW, 100)).toEqual({ 'input.rejected': 1, 'room.entered': 1, 'sensor.humidity': 1 });
    expect(ids()).toEqual(['old-temp', 'entered-20d', 'rejected-3d', 'newest']);
  });

  it('judges age by position as well as time: an event logged late with an old time goes when its neighbours do', () => {
    log();
    add('a', 'sensor.temperature', 40);
    add('imported', 'sensor.temperature', 300);
    add('b', 'sensor.temperature', 10);
    add('newest', 'sensor.temperature', 0);
    const pruner = createPruner(db, store, policy(), everything);
    pruner.pruneBatch(NOW, 100);
    expect(ids()).toEqual(['imported', 'b', 'newest']);
    pruner.pruneBatch(NOW + 25 * DAY, 100);
    expect(ids()).toEqual(['newest']);
  });

  it('keeps what a consumer has not processed yet, and always the newest event (positions continue from it)', () => {
    log();
    add('a', 'sensor.temperature', 50);
    const b = add('b', 'sensor.temperature', 50);
    add('c', 'sensor.temperature', 50);
    createPruner(db, store, policy(), () => b).pruneBatch(NOW, 100);
    expect(ids()).toEqual(['c']);
    createPruner(db, store, policy(), everything).pruneBatch(NOW, 100);
    expect(ids()).toEqual(['c']);
    // A position handed out after a prune is still past every earlier one.
    store.resetHead();
    expect(add('d', 'sensor.temperature', 0)).toBe(4);
  });

  it('keeps a cause while an event it caused is kept (lineage), and lets it go after', () => {
    log();
    add('fact', 'sensor.occupancy', 40);
    add('entered', 'room.entered', 35, { causationid: 'fact' });
    add('newest', 'sensor.occupancy', 0);
    const keepRooms = createPruner(db, store, policy({ types: { 'room.*': { maxAge: 90 * DAY } } }), everything);
    keepRooms.pruneBatch(NOW, 100);
    expect(ids()).toEqual(['fact', 'entered', 'newest']);
    const defaults = createPruner(db, store, policy(), everything);
    defaults.pruneBatch(NOW, 100);
    expect(ids()).toEqual(['fact', 'newest']);
    defaults.pruneBatch(NOW, 100);
    expect(ids()).toEqual(['newest']);
  });

  it('keeps the event a pending timer was set by', () => {
    log();
    add('set-it', 'sensor.contact', 40);
    add('newest', 'sensor.contact', 0);
    createRuleStore(db).setTimer({ rule: 'r', key: 'k', name: 't', due_at: NOW + DAY, data: null, set_by: 'set-it', correlationid: null });
    createPruner(db, store, policy(), everything).pruneBatch(NOW, 100);
    expect(ids()).toEqual(['set-it', 'newest']);
  });
});

describe('pruning by size', () => {
  it('deletes the oldest events of a type while the type is over its size', () => {
    log();
    for (let i = 0; i < 100; i++) add(`t${i}`, 'sensor.temperature', 1, { data: { pad: 'x'.repeat(400) } });
    add('other', 'room.entered', 1);
    add('newest', 'room.entered', 0);
    createPruner(db, store, policy({ types: { 'sensor.temperature': { maxBytes: 20_000 } } }), everything).pruneBatch(NOW, 1000);
    const left = ids().filter((id) => id.startsWith('t'));
    expect(left.length).toBeGreaterThan(30);
    expect(left.length).toBeLessThan(50);
    expect(left[0]).toBe(`t${100 - left.length}`);
    expect(ids()).toContain('other');
  });

  it('deletes the oldest events of any type while the whole log is over its size', () => {
    log();
    for (let i = 0; i < 300; i++) add(`e${i}`, i % 2 ? 'sensor.temperature' : 'room.entered', 1, { data: { pad: 'y'.repeat(1000) } });
    const pruner = createPruner(db, store, policy({ maxBytes: 100_000 }), everything);
    for (let i = 0; i < 5; i++) pruner.pruneBatch(NOW, 1000);
    const left = ids();
    expect(left.length).toBeLessThan(150);
    expect(left.at(-1)).toBe('e299');
  });
});

describe('the retention job', () => {
  const quiet = { info() {}, warn() {} };

  it('refuses to prune after a wall-clock jump, and prunes at the next run', async () => {
    log();
    for (let i = 0; i < 20; i++) add(`old${i}`, 'sensor.temperature', 40);
    for (let i = 0; i < 200; i++) add(`new${i}`, 'sensor.temperature', 0);
    const clock = new SimulatedClock(NOW);
    let mono = 0;
    const refusals: unknown[] = [];
    const job = startRetentionJob({ pruner: createPruner(db, store, policy(), everything), clock, monotonic: () => mono, intervalMs: 3_600_000, firstRunMs: 100 * DAY, maxDeleteFraction: 0.1, log: quiet, refused: (r) => refusals.push(r) });
    // The wall clock steps two hours while one minute passes (NTP on a Pi without RTC).
    await clock.advance(2 * 3_600_000);
    mono += 60_000;
    expect(await job.run()).toMatchObject({ deleted: 0, refused: expect.stringMatching(/wall clock moved/) });
    mono += 3_600_000;
    await clock.advance(3_600_000);
    expect(await job.run()).toEqual({ deleted: 20, byType: { 'sensor.temperature': 20 } });
    expect(refusals).toHaveLength(1);
    job.stop();
  });

  it('refuses a run that would delete more than a tenth of the log (a clock a year ahead)', async () => {
    log();
    for (let i = 0; i < 100; i++) add(`e${i}`, 'sensor.temperature', 1);
    const clock = new SimulatedClock(NOW + 365 * DAY);
    const refusals: Array<{ wouldDelete: number }> = [];
    const job = startRetentionJob({ pruner: createPruner(db, store, policy(), everything), clock, monotonic: () => 0, intervalMs: 3_600_000, firstRunMs: 100 * DAY, maxDeleteFraction: 0.1, log: quiet, refused: (r) => refusals.push(r) });
    expect(await job.run()).toMatchObject({ deleted: 0, refused: expect.stringMatching(/more than 10%/) });
    expect(refusals[0]!.wouldDelete).toBeGreaterThan(10);
    expect(ids()).toHaveLength(100);
    job.stop();
  });
});
