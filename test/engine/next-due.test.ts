// The scheduler asks for the earliest pending timer after every commit, and the timers have no index
// by due time: the store keeps the answer, and it must stay exact through every kind of change.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import { createRuleStore, type RuleStore, type TimerRow } from '../../gateway/engine/rule-store.ts';

let db: Db;
afterEach(() => db?.close());

const timer = (key: string, due: number): TimerRow => ({ rule: 'r', key, name: 'watch', due_at: due, data: null, set_by: `e-${key}`, correlationid: null });
const scanned = (): number | undefined => (db.prepare('SELECT MIN(due_at) FROM timers').pluck().get() as number | null) ?? undefined;

describe('the earliest pending timer', () => {
  it('follows timers set earlier and later, re-armed, cancelled and taken, as a scan of the table would', () => {
    db = openDatabase({ file: ':memory:' });
    const store: RuleStore = createRuleStore(db);
    const check = (): void => expect(store.nextDue()).toBe(scanned());
    check();
    store.setTimer(timer('a', 500));
    check();
    store.setTimer(timer('b', 300));
    check();
    store.setTimer(timer('c', 900));
    check();
    // Re-arming the earliest later: the next one becomes the earliest.
    store.setTimer(timer('b', 1000));
    expect(store.nextDue()).toBe(500);
    check();
    // Re-arming another one later leaves the earliest alone; earlier makes it the earliest.
    store.setTimer(timer('c', 2000));
    expect(store.nextDue()).toBe(500);
    store.setTimer(timer('c', 100));
    expect(store.nextDue()).toBe(100);
    // Cancelling the earliest, cancelling another, cancelling one that is not there.
    store.cancelTimer('r', 'c', 'watch');
    expect(store.nextDue()).toBe(500);
    store.cancelTimer('r', 'b', 'watch');
    store.cancelTimer('r', 'nope', 'watch');
    expect(store.nextDue()).toBe(500);
    check();
    expect(store.takeDueTimers(600).map((t) => t.key)).toEqual(['a']);
    expect(store.nextDue()).toBeUndefined();
    check();
  });

  it('is asked again after a rollback undid the changes it saw', () => {
    db = openDatabase({ file: ':memory:' });
    const store = createRuleStore(db);
    store.setTimer(timer('a', 500));
    expect(store.nextDue()).toBe(500);
    expect(() =>
      db.transaction(() => {
        store.setTimer(timer('b', 100));
        expect(store.nextDue()).toBe(100);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    store.forgetNextDue();
    expect(store.nextDue()).toBe(500);
  });
});
