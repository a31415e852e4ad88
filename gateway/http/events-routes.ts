// Routes over the log itself: events with filters and paging by position, one event with its causes
// and effects, the streams (events of one key), and quarantined input.
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import { explainEvent } from '../lineage/explain-event.ts';
import type { LineageReader } from '../lineage/reader.ts';
import type { EventQuery } from '../log/event-store.ts';
import type { EventReader } from '../log/event-reader.ts';
import { integer, parseEventQuery } from './query.ts';
import { HttpError, sendJson, type Route } from './router.ts';

export interface EventRoutesDeps {
  reader: EventReader;
  lineage: LineageReader;
  now(): number;
  /** Rejections counted by reason code since start. */
  rejectedCounts(): Record<string, number>;
}

/** A page of events, with links to the pages before and after it. */
function page(path: string, url: URL, q: EventQuery, events: LoggedEvent[], head: number): Record<string, unknown> {
  const link = (key: 'after' | 'before', value: number): string => {
    const p = new URLSearchParams(url.searchParams);
    p.delete('after');
    p.delete('before');
    p.delete('since');
    p.set(key, String(value));
    return `${path}?${p}`;
  };
  const first = events[0]?.seq;
  const last = events.at(-1)?.seq;
  return {
    events: events.map(toCloudEventJson),
    head,
    // Following `next` from the last page tails the log.
    next: link('after', last ?? q.after ?? head),
    prev: first !== undefined && first > 1 ? link('before', first) : null,
  };
}

export function eventRoutes(deps: EventRoutesDeps): Route[] {
  const { reader } = deps;
  const list = (path: string, fixed: Partial<EventQuery>): Route['handler'] => ({ res, url }) => {
    const q = { ...parseEventQuery(url.searchParams, deps.now()), ...fixed };
    const head = reader.head();
    sendJson(res, 200, page(path, url, q, reader.query(q), head));
  };
  return [
    { path: '/api/events', handler: list('/api/events', {}) },
    {
      path: '/api/events/:id',
      handler({ res, params }) {
        const e = reader.byId(params.id!) ?? (/^#?\d+$/.test(params.id!) ? reader.bySeq(Number(params.id!.replace('#', ''))) : undefined);
        if (!e) throw new HttpError(404, 'FL_ERR_NOT_FOUND', `no event with id "${params.id}"`);
        sendJson(res, 200, explainEvent(deps.lineage, e, { effects: true, now: new Date(deps.now()) }));
      },
    },
    {
      path: '/api/streams',
      handler({ res, url }) {
        const limit = url.searchParams.has('limit') ? integer(url.searchParams, 'limit', 1, 10_000) : 1000;
        sendJson(res, 200, { streams: reader.keys(limit) });
      },
    },
    {
      path: '/api/streams/:key',
      handler(ctx) {
        const key = ctx.params.key!;
        return list(`/api/streams/${encodeURIComponent(key)}`, { key })(ctx);
      },
    },
    {
      path: '/api/quarantine',
      handler(ctx) {
        const q = { ...parseEventQuery(ctx.url.searchParams, deps.now()), type: 'input.rejected' };
        const head = reader.head();
        sendJson(ctx.res, 200, { ...page('/api/quarantine', ctx.url, q, reader.query(q), head), counts: deps.rejectedCounts() });
      },
    },
  ];
}
