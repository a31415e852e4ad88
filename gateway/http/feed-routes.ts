// GET /api/feed: new events as server-sent events, with the filters of /api/events. A client that
// reconnects with Last-Event-ID (or ?after=) first gets what it missed, from the log.
import type { EventReader } from '../log/event-reader.ts';
import type { LiveFeed } from './live-feed.ts';
import { parseFilter, position } from './query.ts';
import type { Route } from './router.ts';

/** At most this many missed events are replayed on reconnect; beyond it the client gets a gap. */
const BACKLOG_LIMIT = 1000;

export function feedRoutes(deps: { feed: LiveFeed; reader: EventReader }): Route[] {
  return [
    {
      path: '/api/feed',
      handler({ req, res, url }) {
        const filter = parseFilter(url.searchParams);
        const lastEventId = req.headers['last-event-id'];
        const resume = typeof lastEventId === 'string' && /^\d+$/.test(lastEventId) ? Number(lastEventId) : position(url.searchParams, 'after');
        // Read and attach in one synchronous step: no commit can fall between the two.
        const events = resume === undefined ? [] : deps.reader.query({ ...filter, after: resume, limit: BACKLOG_LIMIT });
        const head = deps.reader.head();
        const last = events.at(-1)?.seq ?? resume;
        const gap = events.length === BACKLOG_LIMIT && last !== undefined && last < head ? { from: last + 1, to: head } : undefined;
        deps.feed.attach(res, filter, { events, gap });
      },
    },
  ];
}
