// The live feed (server-sent events) of a gateway with its real broker: filters, resuming with
// Last-Event-ID, and a client that stops reading, which must cost bounded memory and lose nothing
// from the log.
import { afterEach, describe, expect, it } from 'vitest';
import { get, type IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import type { MqttClient } from 'mqtt';
import { systemClock } from '../../gateway/clock.ts';
import { startHttpServer, type HttpServer } from '../../gateway/http/server.ts';
import { startInProcess, type InProcessGateway } from '../helpers/in-process.ts';
import { connect } from '../helpers/mqtt.ts';
import { createSseParser, type SseMessage } from '../helpers/sse.ts';

let gw: InProcessGateway | undefined;
let http: HttpServer | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.endAsync();
  await http?.close();
  await gw?.close();
  client = http = gw = undefined;
});

const QUEUE_LIMIT = 64 * 1024;

async function start(): Promise<void> {
  gw = await startInProcess();
  const dbFile = gw.core.db.name;
  http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    core: gw.core,
    dbFile,
    dataDir: dirname(dbFile),
    clock: systemClock,
    log: { info() {}, warn() {}, error() {} },
    site: 'test',
    feed: { maxQueuedBytes: QUEUE_LIMIT },
  });
  client = await connect(gw.url);
}

const publish = (id: string, type: string, pad = '') =>
  client!.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id, source: '/tests', type, data: { id, pad } }), { qos: 1 });

/** Opens the feed; `next(n)` resolves with the next n messages of the given event kind. */
function open(path: string, headers: Record<string, string> = {}) {
  const parser = createSseParser();
  const messages: SseMessage[] = [];
  const waiters: Array<() => void> = [];
  let response: IncomingMessage | undefined;
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    get(`${http!.url}${path}`, { headers }, (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        messages.push(...parser.push(text));
        for (const w of waiters.splice(0)) w();
      });
      resolve(res);
    }).on('error', reject);
  });
  return {
    ready,
    messages,
    async until(done: (all: SseMessage[]) => boolean): Promise<SseMessage[]> {
      while (!done(messages)) await new Promise<void>((resolve) => waiters.push(resolve));
      return messages;
    },
    close: () => response?.destroy(),
  };
}

const events = (all: SseMessage[]) => all.filter((m) => m.event === 'event').map((m) => JSON.parse(m.data) as { id: string; type: string });

describe('the live feed', () => {
  it('streams new events that match its filter, in log order, as CloudEvents with their position as id', async () => {
    await start();
    const feed = open('/api/feed?type=test.*');
    const res = await feed.ready;
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    await publish('a', 'test.one');
    await publish('b', 'other.two');
    await publish('c', 'test.three');
    const got = await feed.until((all) => events(all).length >= 2);
    expect(events(got).map((e) => e.id)).toEqual(['a', 'c']);
    const ids = got.filter((m) => m.event === 'event').map((m) => Number(m.id));
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    feed.close();
  });

  it('gives a reconnecting client what it missed, from the log, after its Last-Event-ID', async () => {
    await start();
    const first = open('/api/feed?type=test.*');
    await first.ready;
    await publish('a', 'test.x');
    const [seen] = (await first.until((all) => events(all).length >= 1)).filter((m) => m.event === 'event');
    first.close();
    await publish('b', 'test.x');
    await publish('c', 'test.x');
    const again = open('/api/feed?type=test.*', { 'last-event-id': seen!.id! });
    await again.ready;
    await publish('d', 'test.x');
    expect(events(await again.until((all) => events(all).length >= 3)).map((e) => e.id)).toEqual(['b', 'c', 'd']);
    again.close();
  });

  it('lets a client that stops reading skip events with a gap message, bounded in memory, while the log keeps every event', async () => {
    await start();
    const feed = open('/api/feed');
    const res = await feed.ready;
    res.pause(); // the browser stops reading: TCP fills, then the server's queue for it
    const before = gw!.core.events.head();
    const N = 6000;
    const pad = 'x'.repeat(4000);
    await Promise.all(Array.from({ length: N }, (_, i) => publish(`slow-${i}`, 'test.bulk', pad)));

    // Accounted while it happened: the queue never passed its limit, the socket holds at most one write.
    const [stats] = http!.feed.stats().clients;
    expect(stats!.skipped).toBeGreaterThan(0);
    expect(stats!.queuedBytes).toBeLessThanOrEqual(QUEUE_LIMIT);
    expect(stats!.writableBytes).toBeLessThanOrEqual(256 * 1024 + 64 * 1024);
    // The log has them all.
    expect(gw!.core.events.head() - before).toBe(N);

    // Reading again: events before the stall, a gap naming exactly the skipped positions, then live
    // events again (a tick may still fall in the gap while the queue drains; the next ones arrive).
    res.resume();
    const seqOf = (m: SseMessage[]) => m.filter((x) => x.event === 'event').map((x) => Number(x.id));
    const gapsOf = (m: SseMessage[]) => m.filter((x) => x.event === 'gap').map((x) => JSON.parse(x.data) as { from: number; to: number; count: number });
    for (let tick = 0; ; tick++) {
      await publish(`tick-${tick}`, 'test.tick');
      const seq = gw!.core.events.head();
      const seen = await feed.until((m) => seqOf(m).includes(seq) || gapsOf(m).some((g) => g.to >= seq));
      if (seqOf(seen).includes(seq)) break;
    }
    const all = feed.messages;
    const received = seqOf(all);
    const gaps = gapsOf(all);
    expect(gaps.length).toBeGreaterThan(0);
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    const covered = new Set(received);
    for (let s = before + 1; s <= before + N; s++) expect(covered.has(s) || gaps.some((g) => s >= g.from && s <= g.to)).toBe(true);
    const inGaps = gaps.reduce((n, g) => n + g.count, 0);
    expect(inGaps).toBe(http!.feed.stats().clients[0]!.skipped);
    feed.close();
  });
});
