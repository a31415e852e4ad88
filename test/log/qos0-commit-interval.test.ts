// storage.qos0CommitInterval: QoS 0 input waits to be committed together; QoS 1 input never waits,
// and takes the waiting QoS 0 input along in its transaction.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { loadAdapters } from '../../gateway/ingest/load-adapters.ts';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';
import { turns } from '../helpers/in-process.ts';

let db: Db | undefined;
afterEach(() => db?.close());

async function core(qos0CommitMs: number): Promise<{ core: Core; clock: SimulatedClock }> {
  db = openDatabase({ file: ':memory:' });
  const clock = new SimulatedClock(Date.parse('2026-01-01T00:00:00Z'));
  const c = createCore({
    db,
    clock,
    adapters: await loadAdapters({}),
    sourceBase: '/sites/test',
    log: { info() {}, warn() {}, error(m, d) { throw new Error(`${m} ${JSON.stringify(d)}`); } },
    publish: (_m, done) => done(null),
    maxPayloadBytes: 65536,
    maxCommandAgeMs: 60_000,
    qos0CommitMs,
  });
  await c.start([]);
  return { core: c, clock };
}

const message = (id: string, qos: 0 | 1): InboundMessage => ({
  topic: 'cloudevents/test',
  payload: Buffer.from(JSON.stringify({ specversion: '1.0', id, source: '/tests', type: 'test.ping' })),
  qos,
  retain: false,
  replayed: false,
});

describe('the QoS 0 commit interval', () => {
  it('holds QoS 0 messages until the interval has passed, then commits them in one transaction', async () => {
    const { core: c, clock } = await core(5000);
    const before = c.committer.stats.commits;
    for (let i = 0; i < 10; i++) c.ingest.accept(message(`q0-${i}`, 0));
    await turns();
    expect(c.events.head()).toBe(0);
    await clock.advance(4999);
    await turns();
    expect(c.events.head()).toBe(0);
    await clock.advance(1);
    await turns();
    expect(c.events.head()).toBe(10);
    expect(c.committer.stats.commits - before).toBe(1);
  });

  it('never delays a QoS 1 message: it commits at once, with the QoS 0 messages waiting before it', async () => {
    const { core: c } = await core(5000);
    c.ingest.accept(message('q0-a', 0));
    const acked = new Promise<Error | null>((resolve) => c.ingest.accept(message('q1-b', 1), resolve));
    expect(await acked).toBeNull();
    expect(c.events.head()).toBe(2);
  });

  it('commits waiting QoS 0 messages when the gateway flushes (a clean stop loses nothing)', async () => {
    const { core: c } = await core(60_000);
    c.ingest.accept(message('q0-a', 0));
    await c.flush();
    expect(c.events.head()).toBe(1);
  });

  it('commits QoS 0 messages at once when the interval is 0 (the default)', async () => {
    const { core: c } = await core(0);
    c.ingest.accept(message('q0-a', 0));
    await turns();
    expect(c.events.head()).toBe(1);
  });
});
