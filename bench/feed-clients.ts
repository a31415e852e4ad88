// Attaches N dashboard-like clients to a running gateway, to measure what serving them costs: each
// holds the live feed open (reading and discarding, as a page does) and polls the API as the page
// does (rooms and devices every 30 s, rules every 10 s). Run it beside `npm run bench`:
//
//   node --import tsx bench/feed-clients.ts --url http://127.0.0.1:8080 --clients 10 [--token fl_...]
//
// It prints, every 5 s, the events each client received per second and any gaps (a client that fell
// behind). Ctrl-C stops it.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    clients: { type: 'string', default: '10' },
    token: { type: 'string' },
    'no-poll': { type: 'boolean', default: false },
  },
});
const base = values.url!.replace(/\/$/, '');
const headers: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
const controller = new AbortController();

interface ClientStats {
  events: number;
  gaps: number;
  skipped: number;
  bytes: number;
}
const stats: ClientStats[] = [];

async function feed(s: ClientStats): Promise<void> {
  const res = await fetch(`${base}/api/feed`, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`feed: ${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let tail = '';
  for await (const chunk of res.body) {
    s.bytes += chunk.byteLength;
    const text = tail + decoder.decode(chunk, { stream: true });
    const blocks = text.split('\n\n');
    tail = blocks.pop()!;
    for (const block of blocks) {
      if (block.includes('\nevent: event\n')) {
        s.events++;
        // Parsed as the page does.
        JSON.parse(block.slice(block.indexOf('\ndata: ') + 7));
      } else if (block.startsWith('event: gap')) {
        s.gaps++;
        s.skipped += (JSON.parse(block.slice(block.indexOf('\ndata: ') + 7)) as { count: number }).count;
      }
    }
  }
}

function poll(path: string, everyMs: number): void {
  const tick = (): void => {
    void fetch(base + path, { headers, signal: controller.signal })
      .then((r) => r.arrayBuffer())
      .catch(() => {});
  };
  tick();
  setInterval(tick, everyMs).unref();
}

const n = Number(values.clients);
for (let i = 0; i < n; i++) {
  const s: ClientStats = { events: 0, gaps: 0, skipped: 0, bytes: 0 };
  stats.push(s);
  feed(s).catch((err: unknown) => {
    if (!controller.signal.aborted) console.error(`client ${i}: ${(err as Error).message}`);
  });
  if (!values['no-poll']) {
    poll('/api/rooms', 30_000);
    poll('/api/devices', 30_000);
    poll('/api/rules', 10_000);
  }
}

let last = stats.map((s) => ({ ...s }));
const report = setInterval(() => {
  const rates = stats.map((s, i) => (s.events - last[i]!.events) / 5);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const gaps = stats.reduce((a, s) => a + s.gaps, 0);
  const skipped = stats.reduce((a, s) => a + s.skipped, 0);
  console.log(`${n} clients: ${mean.toFixed(0)} events/s each (min ${Math.min(...rates).toFixed(0)}), gaps ${gaps}, skipped ${skipped}`);
  last = stats.map((s) => ({ ...s }));
}, 5000);

process.on('SIGINT', () => {
  clearInterval(report);
  controller.abort();
  process.exit(0);
});
