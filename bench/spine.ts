// The spine's cost per message in process: Zigbee2MQTT motion messages through ingest, the log and the
// bench's rules (no MQTT, no network, no fsync: synchronous=NORMAL), with no load tool beside it, so
// two builds compare on a noisy machine. Reports CPU and bytes allocated per message.
// Run: npm run bench:spine [-- --messages 40000 --rounds 3 --batches 1,200 --alloc-profile <file>]
// (--alloc-profile writes the sampled allocations of the last batch size, for Chrome DevTools' Memory tab.)
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createTestGateway, type TestGateway } from '../gateway/sdk/testing.ts';
import { BENCH_RULE, FLAGSHIP_RULES, REPO } from './gateway-process.ts';
import { median } from './samples.ts';
import { z2mRooms } from './z2m-load.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '40000' },
    rounds: { type: 'string', default: '3' },
    batches: { type: 'string', default: '1,200' },
    'alloc-profile': { type: 'string' },
  },
});
function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a whole number of at least 1, got "${text}"`);
  return n;
}
const MESSAGES = positive('messages', args.messages);
const ROUNDS = positive('rounds', args.rounds);
const ROOMS = 20;
/** Messages in one transaction: one, as at a building's rates and the bench's 1,000/s; ~200, as at saturation. */
const BATCHES = args.batches.split(',').map((b) => positive('batches', b.trim()));
/** As the gateway's checkpointer does under load (log/checkpointer.ts). */
const CHECKPOINT_EVERY_EVENTS = 1000;

/** The network bench's rooms: a motion sensor and a light each, and the motion sensor's payload. */
const rooms = z2mRooms(ROOMS);

async function open(): Promise<TestGateway> {
  const rules = [...FLAGSHIP_RULES.map((f) => join(REPO, 'rules', f)), BENCH_RULE];
  return createTestGateway({ rules, devices: rooms.devices });
}

/** Runs `count` messages, `batch` per transaction; returns CPU µs per message (user + system). */
async function measure(gw: TestGateway, count: number, batch: number): Promise<{ cpuUs: number; wallUs: number }> {
  const { core } = gw;
  let committed = core.committer.stats.events;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let sent = 0; sent < count; ) {
    const pending: Promise<void>[] = [];
    for (let i = 0; i < batch && sent < count; i++, sent++) {
      const room = sent % ROOMS;
      const message = { topic: rooms.topics[room]!, payload: rooms.payloads[room]!, qos: 1 as const, retain: false, replayed: false };
      pending.push(new Promise((resolve, reject) => core.ingest.accept(message, (err) => (err ? reject(err) : resolve()))));
    }
    await Promise.all(pending);
    // The test gateway keeps every command it "published" for its tests to read; not here.
    gw.sent.length = 0;
    // Time passes as under real load (a millisecond a message): event ids are time-ordered, and a
    // log whose every id shares one millisecond grows its id index at random places.
    await gw.clock.advance(batch);
    if (core.committer.stats.events - committed >= CHECKPOINT_EVERY_EVENTS) {
      core.db.pragma('wal_checkpoint(PASSIVE)');
      committed = core.committer.stats.events;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpuUs: (cpu.user + cpu.system) / count, wallUs: ((performance.now() - wall0) * 1000) / count };
}

interface SampleNode {
  selfSize: number;
  children: SampleNode[];
}
const sampled = (n: SampleNode): number => n.selfSize + n.children.reduce((sum, c) => sum + sampled(c), 0);

/**
 * Bytes allocated per message, from V8's sampling heap profiler counting objects collected since
 * (every young-generation collection is a pause of ~1 ms, so fewer bytes mean fewer pauses).
 * Steadier than CPU time on a shared machine: it does not depend on what else runs.
 */
async function allocatedPerMessage(gw: TestGateway, count: number, batch: number): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await measure(gw, count, batch);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SampleNode } };
    if (args['alloc-profile']) writeFileSync(args['alloc-profile'], JSON.stringify(profile));
    return sampled(profile.head) / count;
  } finally {
    session.disconnect();
  }
}

const gw = await open();
try {
  // Warm-up: compiled code, a log with some history behind it.
  await measure(gw, 5000, 200);
  for (const batch of BATCHES) {
    const count = batch === 1 ? Math.min(MESSAGES, 10_000) : MESSAGES;
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await measure(gw, count, batch));
    const cpu = median(runs.map((x) => x.cpuUs));
    const wall = median(runs.map((x) => x.wallUs));
    const allocated = await allocatedPerMessage(gw, Math.min(count, 5000), batch);
    console.log(
      `${String(batch).padStart(4)} per transaction: CPU ${cpu.toFixed(1)} µs/message, wall ${wall.toFixed(1)} µs/message (median of ${ROUNDS} rounds of ${count.toLocaleString('en-US')}; rounds ${runs.map((x) => x.cpuUs.toFixed(1)).join(' / ')}); allocated ${(allocated / 1024).toFixed(1)} KiB/message`,
    );
  }
  const events = gw.core.committer.stats.events;
  console.log(`events logged: ${events.toLocaleString('en-US')}; log rows: ${(gw.core.db.prepare('SELECT count(*) FROM events').pluck().get() as number).toLocaleString('en-US')}`);
} finally {
  await gw.close();
}
