// The live feed: committed events to server-sent-event clients, each through a bounded queue. A slow
// client never slows the commit path and never grows memory: when its queue is full, events are
// skipped and it gets a `gap` message naming the positions to fetch again from the log.
import type { ServerResponse } from 'node:http';
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import { matches, type EventFilter } from './query.ts';

export interface LiveFeedOptions {
  /** Subscribes to commits; returns the unsubscribe. */
  onCommitted(listener: (events: LoggedEvent[]) => void): () => void;
  /** Per-client queue limit, in bytes of serialized events (default 1 MiB). */
  maxQueuedBytes?: number;
  /** At most this many clients at once (default 64). */
  maxClients?: number;
  /**
   * Schedules a flush of the queues. Writes are paced (default: 50 ms after the first queued event)
   * so that a browser gets a few writes per second, not one per commit. This is I/O pacing, not
   * domain time, so it does not go through the gateway's clock.
   */
  schedule?: (flush: () => void) => void;
  /** Comment lines that keep idle connections open through proxies (default every 15 s). */
  keepaliveMs?: number;
}

export interface ClientStats {
  filter: EventFilter;
  queuedBytes: number;
  /** Bytes handed to the socket but not yet flushed to the kernel. */
  writableBytes: number;
  sent: number;
  skipped: number;
  gaps: number;
}

export interface LiveFeed {
  /** Streams to `res`, starting after `backlog` (events already read from the log for it). */
  attach(res: ServerResponse, filter: EventFilter, backlog: { events: LoggedEvent[]; gap?: { from: number; to: number } | undefined }): void;
  clients(): number;
  stats(): { clients: ClientStats[]; skippedTotal: number };
  close(): void;
}

interface Client {
  res: ServerResponse;
  filter: EventFilter;
  queue: string[];
  queuedBytes: number;
  blocked: boolean;
  /** Positions skipped since the last gap message, while the queue drains. */
  gap?: { from: number; to: number; count: number } | undefined;
  sent: number;
  skipped: number;
  gaps: number;
}

const WRITE_CHUNK = 256 * 1024;

export function frame(e: LoggedEvent, json: string = JSON.stringify(toCloudEventJson(e))): string {
  return `id: ${e.seq}\nevent: event\ndata: ${json}\n\n`;
}

export function createLiveFeed(options: LiveFeedOptions): LiveFeed {
  const maxBytes = options.maxQueuedBytes ?? 1024 * 1024;
  const maxClients = options.maxClients ?? 64;
  const schedule = options.schedule ?? ((fn) => void setTimeout(fn, 50).unref());
  const clients = new Set<Client>();
  let flushPending = false;
  let skippedTotal = 0;

  const unsubscribe = options.onCommitted((events) => {
    if (clients.size === 0 || events.length === 0) return;
    // Serialized once per batch, for however many clients want the event.
    const frames: Array<string | undefined> = new Array(events.length);
    for (const c of clients) {
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        if (!matches(c.filter, e)) continue;
        enqueue(c, e, (frames[i] ??= frame(e)));
      }
    }
    requestFlush();
  });

  function enqueue(c: Client, e: LoggedEvent, text: string): void {
    // While skipping, keep skipping until the queue has drained to half, so the client gets one gap
    // message per stall instead of one per event.
    if (c.gap || c.queuedBytes + text.length > maxBytes) {
      if (!c.gap) c.gap = { from: e.seq, to: e.seq, count: 0 };
      c.gap.to = e.seq;
      c.gap.count++;
      c.skipped++;
      skippedTotal++;
      return;
    }
    c.queue.push(text);
    c.queuedBytes += text.length;
  }

  function closeGapIfDrained(c: Client): void {
    if (!c.gap || c.queuedBytes > maxBytes / 2) return;
    const text = `event: gap\ndata: ${JSON.stringify(c.gap)}\n\n`;
    c.queue.push(text);
    c.queuedBytes += text.length;
    c.gaps++;
    c.gap = undefined;
  }

  function requestFlush(): void {
    if (flushPending) return;
    flushPending = true;
    schedule(flush);
  }

  function flush(): void {
    flushPending = false;
    for (const c of clients) write(c);
  }

  function write(c: Client): void {
    closeGapIfDrained(c);
    while (!c.blocked && c.queue.length > 0) {
      let chunk = '';
      let n = 0;
      while (n < c.queue.length && (chunk.length === 0 || chunk.length + c.queue[n]!.length <= WRITE_CHUNK)) chunk += c.queue[n++]!;
      c.queue.splice(0, n);
      c.queuedBytes -= chunk.length;
      c.sent += n;
      // Backpressure: stop at the first write the socket cannot take, resume on 'drain'.
      if (!c.res.write(chunk)) {
        c.blocked = true;
        c.res.once('drain', () => {
          c.blocked = false;
          write(c);
        });
      }
      closeGapIfDrained(c);
    }
  }

  const keepalive = setInterval(() => {
    for (const c of clients) if (!c.blocked && c.queue.length === 0) c.res.write(': keepalive\n\n');
  }, options.keepaliveMs ?? 15_000);
  keepalive.unref();

  return {
    attach(res, filter, backlog) {
      if (clients.size >= maxClients) {
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '10' });
        res.end(JSON.stringify({ error: { code: 'FL_ERR_HTTP_RATE_LIMITED', message: `the live feed has its maximum of ${maxClients} clients` } }));
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const c: Client = { res, filter, queue: [], queuedBytes: 0, blocked: false, sent: 0, skipped: 0, gaps: 0 };
      c.queue.push('retry: 2000\n: firstlight live feed\n\n');
      for (const e of backlog.events) enqueue(c, e, frame(e));
      if (backlog.gap) c.queue.push(`event: gap\ndata: ${JSON.stringify({ ...backlog.gap, count: backlog.gap.to - backlog.gap.from + 1 })}\n\n`);
      clients.add(c);
      res.on('close', () => clients.delete(c));
      write(c);
    },
    clients: () => clients.size,
    stats: () => ({
      skippedTotal,
      clients: [...clients].map((c) => ({
        filter: c.filter,
        queuedBytes: c.queuedBytes,
        writableBytes: c.res.writableLength,
        sent: c.sent,
        skipped: c.skipped,
        gaps: c.gaps,
      })),
    }),
    close() {
      unsubscribe();
      clearInterval(keepalive);
      for (const c of clients) c.res.end();
      clients.clear();
    },
  };
}
