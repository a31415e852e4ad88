// What a replay reads from the live log, through a read-only connection: the window's events in log
// order, when the live gateway handled each one, and the devices it knew. It never writes.
import type { LoggedEvent } from '../events/event.ts';
import { logTables, type Db } from '../log/database.ts';
import { fromRow, type EventRow } from '../log/event-store.ts';

/** Log positions first..last (inclusive) of the events in a time window. */
export interface Window {
  first: number;
  last: number;
}

export interface LiveLog {
  /** The positions of the events from `since` to `until` (RFC 3339); `until` defaults to the newest. */
  window(since: string, until: string | undefined): Window;
  /** The window's events in log order, a batch at a time, keeping those `keep` accepts. */
  events(window: Window, keep: (type: string, source: string) => boolean): Generator<LoggedEvent>;
  byId(id: string): LoggedEvent | undefined;
  /**
   * When the live gateway handled an event: the time of the first rule output it caused in the same
   * step (its handler's `ctx.now`). Undefined when no rule reacted to it.
   */
  handledAt(id: string, sourceBase: string): number | undefined;
  /**
   * When the live gateway fired a rule's timer (the one `setBy` set under that name and key), if it
   * did: when it was due, and when the rule handled its firing.
   */
  fired(timer: { rule: string; key: string; name: string; setBy: string }, sourceBase: string): { dueAt: number; firedAt: number } | undefined;
  /** The devices the gateway has learned or been configured with. */
  devices(): { name: string; info: string }[];
  /** The "/sites/<site>" the gateway writes as, from the rule activations it recorded. */
  sourceBase(): string | undefined;
  /** Whether a rule of this name ever ran on this log. */
  knowsRule(name: string): boolean;
}

const BATCH = 1000;

export function createLiveLog(db: Db): LiveLog {
  const head = (db.prepare(logTables(db).headSql).pluck().get() as number) ?? 0;
  const firstSince = db.prepare('SELECT MIN(seq) FROM events WHERE time >= ?').pluck();
  const lastUntil = db.prepare('SELECT MAX(seq) FROM events WHERE time <= ?').pluck();
  const page = db.prepare('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
  const byId = db.prepare('SELECT * FROM events WHERE id = ? ORDER BY seq LIMIT 1');
  // Outputs a rule appended while handling the event; a timer.fired it caused came later, on its own.
  const handled = db.prepare("SELECT MIN(time) FROM events WHERE causationid = ? AND type <> 'timer.fired' AND source >= ? AND source < ?").pluck();
  const fired = db.prepare("SELECT id, time, data FROM events WHERE causationid = ? AND type = 'timer.fired'");
  const activation = db.prepare("SELECT source FROM events WHERE type = 'rule.activated' ORDER BY seq DESC LIMIT 1").pluck();
  const consumer = db.prepare('SELECT 1 FROM consumers WHERE name = ?').pluck();
  const devices = db.prepare('SELECT name, info FROM devices ORDER BY name');

  function handledAt(id: string, sourceBase: string): number | undefined {
    // Sources of rules are "<base>/rules/<name>": a range on the string, the upper bound being "/rules0".
    const time = handled.get(id, `${sourceBase}/rules/`, `${sourceBase}/rules0`) as string | null;
    return time === null ? undefined : Date.parse(time);
  }

  return {
    window(since, until) {
      const first = (firstSince.get(since) as number | null) ?? head + 1;
      const last = Math.min(head, until === undefined ? head : ((lastUntil.get(until) as number | null) ?? 0));
      return { first, last };
    },
    *events(window, keep) {
      let after = window.first - 1;
      for (;;) {
        const rows = page.all(after, window.last, BATCH) as EventRow[];
        for (const row of rows) if (keep(row.type, row.source)) yield fromRow(row);
        if (rows.length < BATCH) return;
        after = rows.at(-1)!.seq;
      }
    },
    byId(id) {
      const row = byId.get(id) as EventRow | undefined;
      return row ? fromRow(row) : undefined;
    },
    handledAt,
    fired(timer, sourceBase) {
      for (const row of fired.all(timer.setBy) as { id: string; time: string; data: string }[]) {
        const d = JSON.parse(row.data) as { rule?: string; key?: string; name?: string; dueAt?: string };
        if (d.rule !== timer.rule || d.key !== timer.key || d.name !== timer.name) continue;
        return { dueAt: Date.parse(d.dueAt ?? row.time), firedAt: handledAt(row.id, sourceBase) ?? Date.parse(row.time) };
      }
      return undefined;
    },
    devices: () => devices.all() as { name: string; info: string }[],
    sourceBase() {
      const source = activation.get() as string | undefined;
      return source?.match(/^(\/sites\/[^/]+)\/rules\//)?.[1];
    },
    knowsRule: (name) => consumer.get(name) !== undefined,
  };
}
