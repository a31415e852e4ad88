// SQL for what rules keep in the log's database: positions, per-key state and pending timers.
import type { Db } from '../log/database.ts';

export interface TimerRow {
  rule: string;
  key: string;
  name: string;
  due_at: number;
  data: string | null;
  set_by: string;
  correlationid: string | null;
}

export interface RuleStore {
  position(consumer: string): number | undefined;
  /** The version a consumer last ran as. */
  version(consumer: string): string | undefined;
  setPosition(consumer: string, position: number, version: string | null): void;
  getState(rule: string, key: string): unknown;
  setState(rule: string, key: string, value: unknown): void;
  deleteState(rule: string, key: string): void;
  setTimer(row: TimerRow): void;
  cancelTimer(rule: string, key: string, name: string): void;
  timerDue(rule: string, key: string, name: string): number | undefined;
  /** Names of the rule's own (not its triggers') pending timers for a key. */
  ownTimers(rule: string, key: string): string[];
  /** Removes and returns the timers due at or before `now`, earliest first. */
  takeDueTimers(now: number): TimerRow[];
  nextDue(): number | undefined;
  /** After a rollback: the timers table may be back to what it was before the last changes. */
  forgetNextDue(): void;
  pendingTimers(rule?: string): TimerRow[];
}

export function createRuleStore(db: Db): RuleStore {
  const getPosition = db.prepare('SELECT position FROM consumers WHERE name = ?').pluck();
  const getVersion = db.prepare('SELECT version FROM consumers WHERE name = ?').pluck();
  const putPosition = db.prepare(
    'INSERT INTO consumers (name, position, version) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version',
  );
  const getState = db.prepare('SELECT value FROM rule_state WHERE rule = ? AND key = ?').pluck();
  const putState = db.prepare(
    'INSERT INTO rule_state (rule, key, value) VALUES (?, ?, ?) ON CONFLICT(rule, key) DO UPDATE SET value = excluded.value',
  );
  const delState = db.prepare('DELETE FROM rule_state WHERE rule = ? AND key = ?');
  const putTimer = db.prepare(
    `INSERT INTO timers (rule, key, name, due_at, data, set_by, correlationid) VALUES (@rule, @key, @name, @due_at, @data, @set_by, @correlationid)
     ON CONFLICT(rule, key, name) DO UPDATE SET due_at = excluded.due_at, data = excluded.data, set_by = excluded.set_by, correlationid = excluded.correlationid`,
  );
  const delTimer = db.prepare('DELETE FROM timers WHERE rule = ? AND key = ? AND name = ?');
  const timerDue = db.prepare('SELECT due_at FROM timers WHERE rule = ? AND key = ? AND name = ?').pluck();
  const ownTimers = db.prepare("SELECT name FROM timers WHERE rule = ? AND key = ? AND name NOT LIKE 'trigger:%'").pluck();
  const dueTimers = db.prepare('SELECT * FROM timers WHERE due_at <= ? ORDER BY due_at, rule, key, name');
  // A scan of the pending timers: there is no index on due_at (see database.ts). The scheduler asks
  // after every commit, so the earliest timer is kept, and forgotten only when a change may have made
  // it later: that timer moved later or cancelled, timers taken, a rollback. Re-arming any other timer
  // (an absence watch on every report) costs nothing more than its own write.
  const earliestStmt = db.prepare('SELECT rule, key, name, due_at FROM timers ORDER BY due_at LIMIT 1');
  type Earliest = Pick<TimerRow, 'rule' | 'key' | 'name' | 'due_at'>;
  /** The earliest pending timer (null: none); undefined when it must be looked up again. */
  let earliest: Earliest | null | undefined;
  const isEarliest = (rule: string, key: string, name: string): boolean =>
    !!earliest && earliest.rule === rule && earliest.key === key && earliest.name === name;
  const allTimers = db.prepare('SELECT * FROM timers ORDER BY due_at');
  const ruleTimers = db.prepare('SELECT * FROM timers WHERE rule = ? ORDER BY due_at');

  return {
    position: (consumer) => getPosition.get(consumer) as number | undefined,
    version: (consumer) => (getVersion.get(consumer) as string | null | undefined) ?? undefined,
    setPosition: (consumer, position, version) => void putPosition.run(consumer, position, version),
    getState(rule, key) {
      const value = getState.get(rule, key) as string | undefined;
      return value === undefined ? undefined : JSON.parse(value);
    },
    setState: (rule, key, value) => void putState.run(rule, key, JSON.stringify(value)),
    deleteState: (rule, key) => void delState.run(rule, key),
    setTimer(row) {
      putTimer.run(row);
      if (earliest === null || (earliest && row.due_at <= earliest.due_at)) earliest = { rule: row.rule, key: row.key, name: row.name, due_at: row.due_at };
      else if (isEarliest(row.rule, row.key, row.name)) earliest = undefined;
    },
    cancelTimer(rule, key, name) {
      delTimer.run(rule, key, name);
      if (isEarliest(rule, key, name)) earliest = undefined;
    },
    timerDue: (rule, key, name) => timerDue.get(rule, key, name) as number | undefined,
    ownTimers: (rule, key) => ownTimers.all(rule, key) as string[],
    takeDueTimers(now) {
      earliest = undefined;
      const rows = dueTimers.all(now) as TimerRow[];
      for (const r of rows) delTimer.run(r.rule, r.key, r.name);
      return rows;
    },
    nextDue() {
      if (earliest === undefined) earliest = (earliestStmt.get() as Earliest | undefined) ?? null;
      return earliest?.due_at;
    },
    forgetNextDue() {
      earliest = undefined;
    },
    pendingTimers: (rule) => (rule === undefined ? allTimers.all() : ruleTimers.all(rule)) as TimerRow[],
  };
}
