// Compares what a replayed rule did with what the rule of that name did live: the same outputs,
// added ones, removed ones, and changed ones (same cause and type, other data or another moment).
import type { LoggedEvent } from '../events/event.ts';

export interface Change {
  live: LoggedEvent;
  replayed: LoggedEvent;
  /** What differs, for people: "data.vacantForMs: 600000 -> 300000", "time: 5m earlier". */
  differences: string[];
}

export interface Comparison {
  same: number;
  added: LoggedEvent[];
  removed: LoggedEvent[];
  changed: Change[];
}

/**
 * `causeOf` names what an output reacted to, the same way on both sides. Outputs are matched on
 * (type, cause, data) first, then the rest on (type, cause) as changes. Derived ids are deterministic
 * per (rule, cause, part, index), so an unchanged rule gives the same outputs with the same causes.
 * A moment that differs by less than `toleranceMs` is not a change (the live gateway's clock ticks
 * between two rules handling one event).
 */
export function compareOutputs(
  replayed: LoggedEvent[],
  live: LoggedEvent[],
  causeOf: (e: LoggedEvent, side: 'live' | 'replayed') => string,
  toleranceMs = 1000,
): Comparison {
  const result: Comparison = { same: 0, added: [], removed: [], changed: [] };
  const exact = (e: LoggedEvent, side: 'live' | 'replayed'): string => `${e.type}\u0000${causeOf(e, side)}\u0000${canonical(e.data)}`;
  const loose = (e: LoggedEvent, side: 'live' | 'replayed'): string => `${e.type}\u0000${causeOf(e, side)}`;

  const pending = group(live, (e) => exact(e, 'live'));
  const unmatched: LoggedEvent[] = [];
  for (const r of replayed) {
    const l = take(pending, exact(r, 'replayed'));
    if (!l) unmatched.push(r);
    else if (Math.abs(Date.parse(r.time) - Date.parse(l.time)) < toleranceMs) result.same++;
    else result.changed.push({ live: l, replayed: r, differences: [timeShift(l, r)] });
  }
  const leftLive = group([...pending.values()].flat().sort((a, b) => a.seq - b.seq), (e) => loose(e, 'live'));
  for (const r of unmatched) {
    const l = take(leftLive, loose(r, 'replayed'));
    if (!l) {
      result.added.push(r);
      continue;
    }
    const differences = diff('data', l.data, r.data);
    if (Math.abs(Date.parse(r.time) - Date.parse(l.time)) >= toleranceMs) differences.push(timeShift(l, r));
    result.changed.push({ live: l, replayed: r, differences });
  }
  result.removed = [...leftLive.values()].flat().sort((a, b) => a.seq - b.seq);
  return result;
}

function group(events: LoggedEvent[], key: (e: LoggedEvent) => string): Map<string, LoggedEvent[]> {
  const map = new Map<string, LoggedEvent[]>();
  for (const e of events) {
    const k = key(e);
    const list = map.get(k);
    if (list) list.push(e);
    else map.set(k, [e]);
  }
  return map;
}

function take(map: Map<string, LoggedEvent[]>, key: string): LoggedEvent | undefined {
  const list = map.get(key);
  const first = list?.shift();
  if (list && list.length === 0) map.delete(key);
  return first;
}

/** JSON with sorted keys: data that differs only in key order is the same data. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Paths that differ between two JSON values, as "path: before -> after". */
function diff(path: string, before: unknown, after: unknown): string[] {
  if (canonical(before) === canonical(after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diff(`${path}.${k}`, before[k], after[k]));
  }
  const show = (v: unknown): string => (v === undefined ? '(none)' : JSON.stringify(v));
  return [`${path}: ${show(before)} -> ${show(after)}`];
}

function timeShift(live: LoggedEvent, replayed: LoggedEvent): string {
  const ms = Date.parse(replayed.time) - Date.parse(live.time);
  const abs = Math.abs(ms);
  const text = abs >= 3_600_000 ? `${+(abs / 3_600_000).toFixed(1)}h` : abs >= 60_000 ? `${+(abs / 60_000).toFixed(1)}m` : `${+(abs / 1000).toFixed(1)}s`;
  return `time: ${text} ${ms < 0 ? 'earlier' : 'later'} (${live.time} -> ${replayed.time})`;
}
