// Attaches N dashboard-like clients to a running gateway, to measure what serving them costs: each
// holds the live feed open (reading and discarding, as a page does) and polls the API as the page
// does (rooms and devices every 30 s, rules every 10 s). Run it beside `npm run bench`:
//
//   node --import tsx bench/feed-clients.ts --url http://127.0.0.1:8080 --clients 10 [--token fl_...]
//   node --import tsx bench/feed-clients.ts --url bench --clients 10   # waits for npm run bench's gateway
//
// It prints, every 5 s, the events each client received per second and any gaps (a client that fell
// behind; on a busy machine that can be this process itself). It stops with the gateway, or Ctrl-C.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    clients: { type: 'string', default: '10' },
    token: { type: 'string' },
    'no-poll': { type: 'boolean', default: false },
  },
});
/**
 * The HTTP address of the gateway `npm run bench` started (it listens on ephemeral ports): the
 * process whose data directory is a firstlight-bench- one, its listening sockets, the one with /health.
 */
async function findBenchGateway(): Promise<string> {
  for (;;) {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let args: string[];
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        continue;
      }
      if (!args.some((a) => a.endsWith('gateway/cli/bin.js')) || !args.includes('start') || !args.some((a) => a.includes('firstlight-bench-'))) continue;
      const inodes = new Set<string>();
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(m[1]!);
        } catch {
          // closed meanwhile
        }
      }
      const listening = readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[3] === '0A' && inodes.has(f[9]!))
        .map((f) => parseInt(f[1]!.split(':')[1]!, 16));
      for (const port of listening) {
        try {
          if ((await fetch(`http://127.0.0.1:${port}/health`, { headers, signal: AbortSignal.timeout(1000) })).ok) return `http://127.0.0.1:${port}`;
        } catch {
          // the MQTT port
        }
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

const headers: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
const base = values.url === 'bench' ? await findBenchGateway() : values.url!.replace(/\/$/, '');
console.log(`attaching ${values.clients} clients to ${base}`);
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
let running = 0;
for (let i = 0; i < n; i++) {
  const s: ClientStats = { events: 0, gaps: 0, skipped: 0, bytes: 0 };
  stats.push(s);
  running++;
  feed(s)
    .catch((err: unknown) => {
      if (!controller.signal.aborted) console.error(`client ${i}: ${(err as Error).message}`);
    })
    .finally(() => {
      // The gateway stopped (the bench is over): report once more and leave.
      if (--running === 0) stop();
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

function stop(): void {
  clearInterval(report);
  const gaps = stats.reduce((a, s) => a + s.gaps, 0);
  console.log(`done: ${stats.reduce((a, s) => a + s.events, 0)} events delivered to ${n} clients, ${gaps} gaps` + (gaps ? ' (a client fell behind: if it is this process, run fewer clients per process)' : ''));
  controller.abort();
  process.exit(0);
}
process.on('SIGINT', stop);
