// Issue 7's figures: how fast the uplink drains a backlog into a real Mosquitto, and whether memory
// stays flat while the upstream is down (the backlog lives in the log). Run: npm run bench:uplink
// Options: --backlog <events> (default 100000), --rate <events/s during the outage> (10000),
// --live <events/s while draining> (1000), --mode binary|structured, --sync FULL|NORMAL.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { systemClock } from '../gateway/clock.ts';
import { createCore } from '../gateway/core.ts';
import { uplinkSchema } from '../gateway/config/link-schema.ts';
import { newEventId } from '../gateway/events/ids.ts';
import type { NewEvent } from '../gateway/events/event.ts';
import { startCheckpointer } from '../gateway/log/checkpointer.ts';
import { openDatabase } from '../gateway/log/database.ts';
import { startUpstream } from '../gateway/uplink/start-upstream.ts';
import { startMosquitto } from '../test/helpers/mosquitto.ts';
import { tempDir } from '../test/helpers/gateway-process.ts';

const { values } = parseArgs({
  options: {
    backlog: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '10000' },
    live: { type: 'string', default: '1000' },
    mode: { type: 'string', default: 'binary' },
    sync: { type: 'string', default: 'FULL' },
  },
});
const BACKLOG = Number(values.backlog);
const OUTAGE_RATE = Number(values.rate);
const LIVE_RATE = Number(values.live);
const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = tempDir('firstlight-bench-uplink-');
// Persistence keeps the consumer's session across the outage: saved when the broker stops, and only
// then (periodic saves of a long queue would slow the broker, not the gateway).
const upstream = await startMosquitto({ persistence: true, autosave: 'exit' });
// Whatever happens, the processes and files this bench started do not outlive it.
process.on('exit', () => {
  if (upstream.running) process.kill(upstream.pid!, 'SIGKILL');
  consumer?.kill('SIGKILL');
  rmSync(dir.path, { recursive: true, force: true });
  rmSync(upstream.dir, { recursive: true, force: true });
});
const db = openDatabase({ file: join(dir.path, 'firstlight.db'), synchronous: values.sync as 'FULL' | 'NORMAL' });
const log = { info() {}, warn() {}, error: (m: string, d?: unknown) => console.error(m, d) };
const core = createCore({ db, clock: systemClock, adapters: [], sourceBase: '/sites/bench', log, publish: (_m, done) => done(null), maxPayloadBytes: 1 << 20, maxCommandAgeMs: 60_000 });
await core.start([]);
// As in the gateway: the WAL is checkpointed into the database file off the commit path, every
// 10 s or as soon as 1,000 events wait (under this load, every second).
const checkpointer = startCheckpointer(db, systemClock, { intervalMs: 10_000, eventsCommitted: () => core.committer.stats.events }, (err) => console.error('checkpoint failed', err));

let seq = 0;
let consumer: ChildProcess | undefined;
function reading(now: number): NewEvent {
  const n = seq++;
  return {
    id: newEventId(now),
    source: `/sites/bench/zigbee2mqtt/room${n % 20}/thermometer`,
    type: 'sensor.temperature',
    time: new Date(now).toISOString(),
    subject: `room${n % 20}/thermometer`,
    partitionkey: `room${n % 20}`,
    data: { device: `room${n % 20}/thermometer`, celsius: 20 + (n % 50) / 10 },
  };
}
/** Appends `perSecond` events a second, in slices of 10 ms, as ingest would, until `stop()`. */
function ingest(perSecond: number, until: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    let appended = 0;
    const started = performance.now();
    const tick = (): void => {
      if (until()) return resolve(appended);
      const due = Math.floor(((performance.now() - started) / 1000) * perSecond) - appended;
      if (due > 0) {
        const now = Date.now();
        const batch = Array.from({ length: due }, () => reading(now));
        appended += due;
        core.committer.submit({ write: () => batch.forEach((e) => core.committer.append(e)) });
      }
      setTimeout(tick, 10);
    };
    tick();
  });
}

// The central consumer subscribes first (a persistent session: the broker keeps its queue across
// the restart). Then the upstream goes down: the gateway keeps retrying (backoff capped at 1 s here).
consumer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('uplink-consumer.ts', import.meta.url)), upstream.url], { stdio: ['ignore', 'pipe', 'inherit'] });
let received = 0;
await new Promise<void>((resolve) =>
  createInterface({ input: consumer!.stdout! }).on('line', (line) => (line === 'ready' ? resolve() : (received = Number(line)))),
);
await upstream.stop();
const upstreamLink = startUpstream({
  config: uplinkSchema.parse({ url: upstream.url, types: ['sensor.*'], contentMode: values.mode, reconnect: { min: '100ms', max: '1s' }, inbox: { enabled: false } }),
  site: 'bench',
  sourceBase: '/sites/bench',
  db,
  events: core.events,
  committer: core.committer,
  positions: core.ruleStore,
  accept: (_m, done) => done(null),
  clock: systemClock,
  log,
});

// Phase 1: an outage while events keep coming. Memory is sampled every second.
global.gc?.();
const before = process.memoryUsage();
const samples: number[] = [];
const sampler = setInterval(() => samples.push(process.memoryUsage().rss), 1000);
const outageStarted = performance.now();
await ingest(OUTAGE_RATE, () => seq >= BACKLOG);
await core.committer.settled();
clearInterval(sampler);
const outageSeconds = (performance.now() - outageStarted) / 1000;
global.gc?.();
const after = process.memoryUsage();

// Phase 2: the upstream returns; the central consumer counts what arrives; new events keep coming.
const backlog = core.events.head() - upstreamLink.stats().forward.position;
await upstream.restart();
// Timed from the reconnect (the backoff wait before it is not forwarding).
await upstreamLink.whenLive();
const drainStarted = performance.now();
const drainCpu = process.cpuUsage();
let drained = false;
const liveIngest = ingest(LIVE_RATE, () => drained);
for (;;) {
  const { position } = upstreamLink.stats().forward;
  if (position >= core.events.head() - LIVE_RATE / 20) break;
  await sleep(5);
}
const drainSeconds = (performance.now() - drainStarted) / 1000;
const cpu = process.cpuUsage(drainCpu);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
drained = true;
const receivedWhenDrained = received;
const liveAppended = await liveIngest;
// Everything forwarded reaches the consumer (it receives at its own pace).
const settleBy = performance.now() + 30_000;
while (received < upstreamLink.stats().forward.forwarded && performance.now() < settleBy) await sleep(50);

const stats = upstreamLink.stats();
const rows: Array<[string, string]> = [
  ['content mode', `${stats.mode === 'binary' ? 'binary (data as payload, attributes as MQTT 5 user properties)' : 'structured (the whole event as JSON)'}; window ${uplinkSchema.parse({ url: upstream.url }).window}; synchronous ${values.sync}`],
  ['outage: events appended', `${BACKLOG} in ${outageSeconds.toFixed(1)} s (${Math.round(BACKLOG / outageSeconds)}/s)`],
  ['outage: RSS before -> after (max)', `${mb(before.rss)} -> ${mb(after.rss)} MB (max ${mb(Math.max(...samples, after.rss))} MB)`],
  ['outage: RSS each second', samples.map(mb).join(' ') + ' MB (SQLite\'s page cache is 16 MiB)'],
  ['outage: JS heap before -> after', `${mb(before.heapUsed)} -> ${mb(after.heapUsed)} MB`],
  ['drain: backlog', `${backlog} events`],
  ['drain: time to catch up', `${drainSeconds.toFixed(2)} s, while ${liveAppended} new events arrived (${LIVE_RATE}/s)`],
  ['drain: rate', `${Math.round((backlog + liveAppended) / drainSeconds)} events/s forwarded (${((backlog + liveAppended) / drainSeconds / LIVE_RATE).toFixed(1)} x the arrival rate)`],
  ['drain: CPU of the gateway process', `${cpuSeconds.toFixed(2)} s (${Math.round((backlog + liveAppended) / cpuSeconds)} events per CPU second)`],
  ['upstream consumer received', `${received} of ${stats.forward.forwarded} forwarded (${receivedWhenDrained} when the drain ended; publish timeouts: ${stats.forward.timeouts})`],
];
const width = Math.max(...rows.map(([k]) => k.length));
console.log('\nfirstlight uplink bench\n');
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);

consumer.kill('SIGTERM');
await once(consumer, 'exit');
consumer = undefined;
await upstreamLink.close();
await core.flush();
core.scheduler.stop();
checkpointer.stop();
db.close();
await upstream.remove();
dir.remove();
