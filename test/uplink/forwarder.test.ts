// The forwarder against a scripted client: the window, the cursor, the watchdog, resends. The client
// is a stand-in because these tests are about when acknowledgements arrive, which a real broker
// does not let a test choose (the integration tests run the same code against Mosquitto).
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { SimulatedClock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { openDatabase } from '../../gateway/log/database.ts';
import { createForwarder, type Forwarder } from '../../gateway/uplink/forwarder.ts';
import { typeMatcher } from '../../gateway/uplink/selection.ts';
import { testEvents } from '../helpers/upstream-in-process.ts';

interface Sent {
  topic: string;
  id: string;
  ack(err?: Error): void;
}

/** A client that keeps each publish until the test acknowledges it. */
function scriptedClient(): { client: MqttClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    publish(topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void) {
      sent.push({ topic, id: (JSON.parse(payload) as { id: string }).id, ack: (err) => cb(err) });
      return client;
    },
  };
  return { client: client as unknown as MqttClient, sent };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of closers.splice(0).reverse()) await fn();
});

async function setup(options: { window?: number; types?: string[] } = {}) {
  const clock = new SimulatedClock();
  const db = openDatabase({ file: ':memory:' });
  const core: Core = createCore({ db, clock, adapters: [], sourceBase: '/sites/t', log: { info() {}, warn() {}, error() {} }, publish: (_m, done) => done(null), maxPayloadBytes: 1 << 20, maxCommandAgeMs: 60_000 });
  await core.start([]);
  const dead: string[] = [];
  let cursor: number | undefined;
  const forwarder: Forwarder = createForwarder({
    events: core.events,
    committer: core.committer,
    cursor: { load: () => cursor, save: (p) => void (cursor = p) },
    clock,
    selects: typeMatcher(options.types ?? ['test.*']),
    topicOf: (e) => `up/${e.type}`,
    window: options.window ?? 10,
    publishTimeoutMs: 10_000,
    from: 'start',
    onDeadLink: (reason) => void dead.push(reason),
  });
  closers.push(() => db.close(), () => forwarder.stop());
  const append = async (events: ReturnType<typeof testEvents>) => {
    core.committer.submit({ write: () => events.forEach((e) => core.committer.append(e)) });
    await core.committer.settled();
  };
  return { clock, core, forwarder, dead, append, cursor: () => cursor };
}

describe('forwarder', () => {
  it('keeps at most a window in flight and refills it after a burst that acknowledges all of it at once', async () => {
    const { core, forwarder, append } = await setup({ window: 10 });
    await append(testEvents(35));
    const { client, sent } = scriptedClient();
    forwarder.attach(client, 'structured', false);
    expect(sent).toHaveLength(10);
    for (let round = 1; round <= 3; round++) {
      sent.slice(-10).forEach((s) => s.ack());
      await turn();
      expect(sent).toHaveLength(Math.min(35, 10 * (round + 1)));
    }
    sent.slice(30).forEach((s) => s.ack());
    await turn();
    expect(forwarder.stats()).toMatchObject({ position: core.events.head(), inflight: 0, forwarded: 35 });
    expect(sent.map((s) => s.id)).toEqual(core.events.query({}).map((e) => e.id));
  });

  it('moves its cursor only over a gap-free run of acknowledged events, and commits it with the log', async () => {
    const { forwarder, append, cursor } = await setup({ window: 10 });
    await append(testEvents(5));
    const { client, sent } = scriptedClient();
    forwarder.attach(client, 'structured', false);
    const start = forwarder.stats().position;
    sent[2]!.ack();
    sent[1]!.ack();
    await turn();
    expect(forwarder.stats().position).toBe(start);
    sent[0]!.ack();
    await turn();
    expect(forwarder.stats().position).toBe(start + 3);
    // The cursor rides along with the next commit.
    await append(testEvents(1, 'other.type'));
    expect(cursor()).toBe(start + 3);
  });

  it('passes over types that are not allowed, without sending them', async () => {
    const { core, forwarder, append } = await setup({ types: ['test.reading'] });
    await append([...testEvents(3, 'room.entered'), ...testEvents(2), ...testEvents(3, 'room.vacated')]);
    const { client, sent } = scriptedClient();
    forwarder.attach(client, 'structured', false);
    expect(sent.map((s) => s.topic)).toEqual(['up/test.reading', 'up/test.reading']);
    sent.forEach((s) => s.ack());
    await turn();
    expect(forwarder.stats().position).toBe(core.events.head());
  });

  it('declares the link dead when the oldest publish is not acknowledged in time, and sends everything unacknowledged again on the next link', async () => {
    const { clock, forwarder, append, dead } = await setup({ window: 4 });
    await append(testEvents(6));
    const first = scriptedClient();
    forwarder.attach(first.client, 'structured', false);
    first.sent[0]!.ack();
    await turn();
    await clock.advance(9_999);
    expect(dead).toEqual([]);
    await clock.advance(1);
    expect(dead).toHaveLength(1);
    forwarder.detach();
    // A late acknowledgement from the dead link changes nothing.
    first.sent[1]!.ack();
    await turn();
    expect(forwarder.stats().forwarded).toBe(1);

    const second = scriptedClient();
    forwarder.attach(second.client, 'structured', false);
    expect(second.sent.map((s) => s.id)).toEqual(first.sent.slice(1, 5).map((s) => s.id));
  });

  it('drops the link when a publish fails', async () => {
    const { forwarder, append, dead } = await setup();
    await append(testEvents(2));
    const { client, sent } = scriptedClient();
    forwarder.attach(client, 'structured', false);
    sent[0]!.ack(new Error('Connection closed'));
    expect(dead).toEqual(['publish failed: Connection closed']);
    expect(forwarder.stats()).toMatchObject({ connected: false, inflight: 0 });
  });
});
