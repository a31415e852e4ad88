// External broker mode against a real Mosquitto: persistent session, acknowledgement after commit,
// retained replays, commands through the same broker, and a lost session recorded as a gap.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startExternalGateway, untilCommitted, type ExternalGateway } from '../helpers/external-in-process.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { bridgeDevices, connect, nextMessage } from '../helpers/mqtt.ts';
import { startMqttTap, type MqttTap } from '../helpers/mqtt-tap.ts';
import { REPO } from '../helpers/gateway-process.ts';
import { turns } from '../helpers/in-process.ts';
import { join } from 'node:path';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function mosquitto(persistence = false): Promise<Mosquitto> {
  const m = await startMosquitto({ persistence });
  cleanup.push(() => m.remove());
  return m;
}
function dataDir(): string {
  const d = tempDir();
  cleanup.push(() => d.remove());
  return d.path;
}
async function client(url: string, id?: string): Promise<MqttClient> {
  const c = await connect(url, id);
  c.on('error', () => {});
  cleanup.push(() => c.end(true));
  return c;
}
async function gateway(url: string, data: string, extra: Record<string, unknown> = {}): Promise<ExternalGateway> {
  const gw = await startExternalGateway({ broker: { url, reconnect: { min: '20ms', max: '200ms' }, ...extra }, data });
  cleanup.push(() => gw.close());
  return gw;
}
const event = (id: string, n = 0) => JSON.stringify({ specversion: '1.0', id, source: '/tests/publisher', type: 'test.reading', data: { n } });
const idOf = (payload: Buffer) => (JSON.parse(payload.toString()) as { id: string }).id;

describe('external broker mode', () => {
  it('acknowledges each message to the broker only once it is in the log', async () => {
    const broker = await mosquitto();
    const acked: string[] = [];
    const tap: MqttTap = await startMqttTap(broker.port, (payload) => acked.push(idOf(payload)));
    cleanup.push(() => tap.close());
    // The test holds the group commits: nothing is committed until it lets them run.
    let held: Array<() => void> = [];
    let holding = true;
    const schedule = (flush: () => void): void => void (holding ? held.push(flush) : setImmediate(flush));
    const gw = await startExternalGateway({ broker: { url: tap.url }, data: dataDir(), schedule });
    cleanup.push(() => gw.close());
    held.splice(0).forEach((flush) => flush());
    await gw.broker.whenLive();
    held.splice(0).forEach((flush) => flush());

    const publisher = await client(broker.url);
    const total = 20; // Mosquitto's in-flight window: all of them reach the gateway without any PUBACK.
    await Promise.all(Array.from({ length: total }, (_, n) => publisher.publishAsync('cloudevents/publisher', event(`a-${n}`, n), { qos: 1 })));
    await vi.waitFor(() => expect(gw.core.ingest.stats.messages).toBe(total));
    // A PUBACK sent now would pass the tap within a few turns of the event loop; none may.
    await turns(20);
    expect(acked).toEqual([]);
    expect(gw.events('test.reading')).toEqual([]);

    holding = false;
    held.splice(0).forEach((flush) => flush());
    await vi.waitFor(() => expect(acked).toHaveLength(total));
    // In the order the messages arrived [MQTT-4.6.0-2], and every one of them is in the log.
    expect(acked).toEqual(gw.events('test.reading').map((e) => e.id));
  });

  it('keeps up a stream: every message acknowledged and stored once', async () => {
    const broker = await mosquitto();
    const acked = new Set<string>();
    const tap = await startMqttTap(broker.port, (payload) => acked.add(idOf(payload)));
    cleanup.push(() => tap.close());
    const gw = await gateway(tap.url, dataDir());
    await gw.broker.whenLive();
    const publisher = await client(broker.url);
    const total = 2000;
    await Promise.all(Array.from({ length: total }, (_, n) => publisher.publishAsync('cloudevents/publisher', event(`s-${n}`, n), { qos: 1 })));
    await untilCommitted(gw.core, () => gw.events('test.reading').length === total, 'every message in the log');
    await vi.waitFor(() => expect(acked.size).toBe(total));
  });

  it('receives what was published while it was down: the session outlives the gateway', async () => {
    const broker = await mosquitto();
    const data = dataDir();
    const first = await gateway(broker.url, data);
    await first.broker.whenLive();
    await first.close();

    const publisher = await client(broker.url);
    const total = 300;
    await Promise.all(Array.from({ length: total }, (_, n) => publisher.publishAsync('cloudevents/publisher', event(`down-${n}`, n), { qos: 1 })));

    const second = await gateway(broker.url, data);
    await untilCommitted(second.core, () => second.events('test.reading').length === total, 'the queued messages');
    expect(new Set(second.events('test.reading').map((e) => e.id)).size).toBe(total);
    expect(second.events('broker.gap')).toEqual([]);
  });

  it('marks retained messages replayed on subscribe, and live publishes not', async () => {
    const broker = await mosquitto();
    const publisher = await client(broker.url);
    await publisher.publishAsync('cloudevents/state', event('retained-before'), { qos: 1, retain: true });
    const gw = await gateway(broker.url, dataDir());
    await untilCommitted(gw.core, () => gw.events('test.reading').length === 1, 'the retained message');
    await publisher.publishAsync('cloudevents/state', event('retained-live'), { qos: 1, retain: true });
    await untilCommitted(gw.core, () => gw.events('test.reading').length === 2, 'the live message');
    const [replayed, live] = gw.events('test.reading');
    expect(replayed).toMatchObject({ id: 'retained-before', replayed: true });
    expect(live!.id).toBe('retained-live');
    expect(live!.replayed).toBeUndefined();
  });

  it('sends the commands of rules through the same broker', async () => {
    const broker = await mosquitto();
    const z2m = await client(broker.url, 'zigbee2mqtt');
    await z2m.subscribeAsync('zigbee2mqtt/+/+/set', { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/bridge/devices', bridgeDevices(), { qos: 1, retain: true });
    const gw = await startExternalGateway({ broker: { url: broker.url }, data: dataDir(), rulesDir: join(REPO, 'rules') });
    cleanup.push(() => gw.close());
    await gw.broker.whenLive();
    await untilCommitted(gw.core, () => gw.core.registry.get('hall/ceiling') !== undefined, 'the device list');

    const command = nextMessage(z2m, (t) => t.endsWith('/set'));
    await z2m.publishAsync('zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: true }), { qos: 1 });
    expect(await command).toEqual({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"ON"}' });
  });

  it('records the window of a lost session as a broker.gap event, from when the broker was last heard to the renewed subscription', async () => {
    const broker = await mosquitto();
    const gw = await gateway(broker.url, dataDir());
    await gw.broker.whenLive();
    const publisher = await client(broker.url);
    const publishedAt = Date.now();
    await publisher.publishAsync('cloudevents/publisher', event('last-before'), { qos: 1 });
    await untilCommitted(gw.core, () => gw.core.events.byId('last-before') !== undefined, 'the last message before the crash');
    publisher.end(true);

    const killedAt = Date.now();
    await broker.stop('SIGKILL');
    const killedUntil = Date.now();
    await broker.restart();
    await untilCommitted(gw.core, () => gw.events('broker.gap').length === 1, 'the gap event');

    const gap = gw.events('broker.gap')[0]!;
    expect(gap).toMatchObject({ source: '/sites/test/broker', data: { broker: broker.url, clientId: 'firstlight-test', reason: 'session-lost' } });
    const { from, until } = gap.data as { from: string; until: string };
    // The window covers the crash: it opens when the broker was last heard from (the last message)
    // and closes when the subscriptions were renewed on the restarted broker.
    expect(Date.parse(from)).toBeGreaterThanOrEqual(publishedAt);
    expect(Date.parse(from)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(until)).toBeGreaterThanOrEqual(killedUntil);
    // Subscribed again: a new message arrives.
    const again = await client(broker.url);
    await again.publishAsync('cloudevents/publisher', event('first-after'), { qos: 1 });
    await untilCommitted(gw.core, () => gw.core.events.byId('first-after') !== undefined, 'a message after the renewal');
  });

  for (const persistence of [false, true]) {
    it(`survives a broker killed mid-stream ${persistence ? 'with' : 'without'} persistence: nothing acknowledged is lost${persistence ? '' : ', and the lost session is a gap'}`, async () => {
      const broker = await mosquitto(persistence);
      const data = dataDir();
      const acked = new Set<string>();
      const tap = await startMqttTap(broker.port, (payload) => acked.add(idOf(payload)));
      cleanup.push(() => tap.close());
      const gw = await gateway(tap.url, data);
      await gw.broker.whenLive();

      // A stream from a device publisher; the broker is killed while it runs.
      const publisher = await client(broker.url);
      const before = 1000;
      for (let n = 0; n < before; n++) publisher.publish('cloudevents/publisher', event(`before-${n}`, n), { qos: 1 }, () => {});
      await untilCommitted(gw.core, () => gw.events('test.reading').length >= 200, 'the stream to flow');
      await broker.stop('SIGKILL');
      publisher.end(true);
      await broker.restart();

      // After the restart the gateway is subscribed again: renewed (then the gap is recorded), or kept
      // in the saved session (then it is live on CONNACK and records that in a commit).
      const after = await client(broker.url);
      await untilCommitted(gw.core, () => gw.broker.stats().connected && (persistence || gw.events('broker.gap').length === 1), 'the reconnect');
      const total = 200;
      await Promise.all(Array.from({ length: total }, (_, n) => after.publishAsync('cloudevents/publisher', event(`after-${n}`, n), { qos: 1 })));
      await untilCommitted(gw.core, () => gw.events('test.reading').filter((e) => e.id.startsWith('after-')).length === total, 'the messages after the restart');

      const stored = new Set(gw.events('test.reading').map((e) => e.id));
      expect([...acked].filter((id) => !stored.has(id))).toEqual([]);
      const gaps = gw.events('broker.gap');
      expect(gaps.map((g) => (g.data as { reason: string }).reason)).toEqual(persistence ? [] : ['session-lost']);
    });
  }
});
