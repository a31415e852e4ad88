// Reads the event filters and paging parameters the API and the live feed share, with a 400 and a
// stable code for anything malformed.
import type { EventQuery } from '../log/event-store.ts';
import { timeOrAgo } from '../sdk/duration.ts';
import { HttpError } from './router.ts';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/** Filters shared by /api/events and /api/feed: type (exact or "room.*"), key, source. */
export interface EventFilter {
  type?: string | undefined;
  key?: string | undefined;
  source?: string | undefined;
}

export function parseFilter(q: URLSearchParams): EventFilter {
  const type = q.get('type') ?? undefined;
  if (type !== undefined && (type === '' || (type.includes('*') && !/^[^*]+\.\*$/.test(type)))) {
    throw bad(`type must be an event type or a prefix like "room.*", not "${type}"`);
  }
  return { type, key: q.get('key') ?? undefined, source: q.get('source') ?? undefined };
}

/** The full query of /api/events: filters, time range and paging by log position. */
export function parseEventQuery(q: URLSearchParams, now: number): EventQuery {
  const after = position(q, 'after');
  const before = position(q, 'before');
  const since = time(q, 'since', now);
  const limit = q.has('limit') ? integer(q, 'limit', 1, MAX_LIMIT) : DEFAULT_LIMIT;
  return {
    ...parseFilter(q),
    since,
    until: time(q, 'until', now),
    after,
    before,
    limit,
    // Without a lower bound, a page is the newest events (before `before`, if given).
    newest: after === undefined && since === undefined,
  };
}

export function position(q: URLSearchParams, name: string): number | undefined {
  return q.has(name) ? integer(q, name, 0, Number.MAX_SAFE_INTEGER) : undefined;
}

export function integer(q: URLSearchParams, name: string, min: number, max: number): number {
  const text = q.get(name)!;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw bad(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

/** An RFC 3339 time, or a duration back from now ("15m"). */
function time(q: URLSearchParams, name: string, now: number): string | undefined {
  const text = q.get(name);
  if (text === null) return undefined;
  const time = timeOrAgo(text, now);
  if (time === undefined) throw bad(`${name} takes an RFC 3339 time or a duration like "15m", not "${text}"`);
  return time;
}

function bad(message: string): HttpError {
  return new HttpError(400, 'FL_ERR_HTTP_BAD_REQUEST', message);
}

/** Whether an event passes a filter (the live feed's side of EventQuery's type/key/source). */
export function matches(filter: EventFilter, e: { type: string; partitionkey?: string | undefined; source: string }): boolean {
  if (filter.key !== undefined && e.partitionkey !== filter.key) return false;
  if (filter.source !== undefined && e.source !== filter.source) return false;
  if (filter.type !== undefined) {
    if (filter.type.endsWith('.*')) return e.type.startsWith(filter.type.slice(0, -1));
    return e.type === filter.type;
  }
  return true;
}
