// The uplink and the downlink against a real Mosquitto: what leaves (allow-list, topic, content
// mode), a cursor that only moves over acknowledged events, and the site's inbox into the log.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import { SimulatedClock } from '../../gateway/clock.ts';
import { CE_JSON } from '../../gateway/uplink/cloudevents-mqtt.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { untilCommitted } from '../helpers/external-in-process.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { startUpstreamGateway, testEvents, type UpstreamGateway } from '../helpers/upstream-in-process.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function mosquitto(): Promise<Mosquitto> {
  const m = await startMosquitto();
  cleanup.push(() => m.remove());
  return m;
}
async function gateway(uplink: Record<string, unknown>, more: { clock?: SimulatedClock; random?: () => number; site?: string } = {}): Promise<UpstreamGateway> {
  const data = tempDir();
  const gw = await startUpstreamGateway({ uplink, data: data.path, ...more });
  cleanup.push(() => data.remove());
  cleanup.push(() => gw.close());
  return gw;
}
/** A central consumer: an MQTT 5 client that keeps every message it receives. */
async function central(url: string, filter = 'sites/#'): Promise<{ client: MqttClient; got: IPublishPacket[] }> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  cleanup.push(() => client.end(true));
  const got: IPublishPacket[] = [];
  client.on('message', (_t, _p, packet) => got.push(packet));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, got };
}
const connected = (gw: UpstreamGateway) => vi.waitFor(() => expect(gw.upstream.stats().link.connected).toBe(true));

describe('uplink', () => {
  it('forwards the allowed types in binary mode with MQTT 5 user properties, on sites/<site>/events/<type>', async () => {
    const broker = await mosquitto();
    const { got } = await central(broker.url);
    const gw = await gateway({ url: broker.url, types: ['test.*'] });
    await connected(gw);
    await gw.append([...testEvents(10), ...testEvents(5, 'room.entered')]);
    await vi.waitFor(() => expect(gw.upstream.stats().forward.position).toBe(gw.core.events.head()));
    await vi.waitFor(() => expect(got).toHaveLength(10));

    expect(gw.upstream.stats().mode).toBe('binary');
    const first = got[0]!;
    const logged = gw.events('test.reading')[0]!;
    expect(first.topic).toBe('sites/test/events/test.reading');
    expect(first.payload.toString()).toBe(JSON.stringify(logged.data));
    expect(first.properties?.contentType).toBe('application/json');
    // The fleet view: the site is in the source, and `sequence` orders one gateway's events.
    expect(first.properties?.userProperties).toMatchObject({ id: logged.id, source: '/sites/test/tests', type: 'test.reading', specversion: '1.0', sequence: String(logged.seq).padStart(20, '0') });
  });

  it('forwards in structured mode when the upstream speaks MQTT 3.1.1', async () => {
    const broker = await mosquitto();
    const { got } = await central(broker.url);
    const gw = await gateway({ url: broker.url, types: ['test.reading'], protocol: '3.1.1' });
    await connected(gw);
    await gw.append(testEvents(3));
    await vi.waitFor(() => expect(got).toHaveLength(3));
    expect(gw.upstream.stats().mode).toBe('structured');
    const body = JSON.parse(got[0]!.payload.toString()) as Record<string, unknown>;
    expect(body).toMatchObject({ specversion: '1.0', id: gw.events('test.reading')[0]!.id, type: 'test.reading', data: { n: 0 } });
    expect(got[0]!.properties?.userProperties).toBeUndefined();
  });

  it('sends nothing without an allow-list: presence is personal data', async () => {
    const broker = await mosquitto();
    const { got } = await central(broker.url);
    const gw = await gateway({ url: broker.url });
    await connected(gw);
    await gw.append([...testEvents(5), ...testEvents(5, 'room.entered')]);
    await vi.waitFor(() => expect(gw.upstream.stats().forward.position).toBe(gw.core.events.head()));
    expect(got).toEqual([]);
  });

  it('moves its cursor only over acknowledged events: a silent upstream holds it, the publish timeout drops the link, and everything is sent again', async () => {
    const broker = await mosquitto();
    const { got } = await central(broker.url);
    const clock = new SimulatedClock(Date.now());
    const gw = await gateway({ url: broker.url, types: ['test.*'], window: 5, publishTimeout: '10s', reconnect: { min: '1s', max: '2s' } }, { clock, random: () => 0.5 });
    await connected(gw);
    const start = gw.upstream.stats().forward.position;

    // Half-open: the broker's process is frozen, the TCP connection stays up, nothing is acknowledged.
    broker.pause();
    await gw.append(testEvents(20));
    await vi.waitFor(() => expect(gw.upstream.stats().forward.inflight).toBe(5));
    expect(gw.upstream.stats().forward.position).toBe(start);

    await clock.advance(10_000);
    expect(gw.upstream.stats().forward).toMatchObject({ timeouts: 1, inflight: 0, position: start });
    await vi.waitFor(() => expect(gw.upstream.stats().link.connected).toBe(false));

    broker.resume();
    // Backoff at half of the first ceiling: 500 ms of the clock.
    await vi.waitFor(async () => {
      await clock.advance(500);
      expect(gw.upstream.stats().link.connected).toBe(true);
    });
    await vi.waitFor(() => expect(gw.upstream.stats().forward.position).toBe(gw.core.events.head()));
    const ids = new Set(got.map((p) => p.properties?.userProperties?.id));
    expect(gw.events('test.reading').filter((e) => !ids.has(e.id))).toEqual([]);
    // Sent again at most what was in flight when the link died.
    expect(got.length - ids.size).toBeLessThanOrEqual(5);
  });
});

describe('uplink across restarts', () => {
  it('keeps its cursor in the log: after a clean stop nothing is sent twice, and what came meanwhile is sent', async () => {
    const broker = await mosquitto();
    const { got } = await central(broker.url);
    const data = tempDir();
    cleanup.push(() => data.remove());
    const first = await startUpstreamGateway({ uplink: { url: broker.url, types: ['test.*'] }, data: data.path });
    await first.upstream.whenLive();
    await first.append(testEvents(50));
    await vi.waitFor(() => expect(first.upstream.stats().forward.position).toBe(first.core.events.head()));
    await first.close();

    const second = await startUpstreamGateway({ uplink: { url: broker.url, types: ['test.*'] }, data: data.path });
    cleanup.push(() => second.close());
    await second.append(testEvents(5));
    await second.upstream.whenLive();
    await vi.waitFor(() => expect(got).toHaveLength(55));
    expect(new Set(got.map((p) => p.properties?.userProperties?.id)).size).toBe(55);
  });
});

describe('downlink', () => {
  it("appends the CloudEvents published to the site's inbox, binary or structured, storing a repeated (source, id) once", async () => {
    const broker = await mosquitto();
    const gw = await gateway({ url: broker.url }, { site: 'b-12' });
    await gw.upstream.whenLive();
    const fleet = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
    cleanup.push(() => fleet.end(true));
    const alarm = { specversion: '1.0', id: 'alarm-1', source: '/fleet/alarms', type: 'fleet.alarm', time: '2026-01-01T08:00:00Z', data: { level: 'evacuate' } };
    await fleet.publishAsync('sites/b-12/inbox/alarm', JSON.stringify(alarm), { qos: 1, properties: { contentType: CE_JSON } });
    await fleet.publishAsync('sites/b-12/inbox/alarm', JSON.stringify(alarm), { qos: 1 });
    await fleet.publishAsync('sites/b-12/inbox/tariff', '{"price": 0.31}', {
      qos: 1,
      properties: { contentType: 'application/json', userProperties: { specversion: '1.0', id: 'tariff-7', source: '/fleet/energy', type: 'fleet.tariff' } },
    });
    await fleet.publishAsync('sites/b-12/inbox/junk', 'not an event', { qos: 1 });
    await fleet.publishAsync('sites/other/inbox/alarm', JSON.stringify({ ...alarm, id: 'not-ours' }), { qos: 1 });

    await untilCommitted(gw.core, () => gw.events('input.rejected').length === 1, 'the inbox messages');
    expect(gw.events('fleet.alarm')).toMatchObject([{ id: 'alarm-1', source: '/fleet/alarms', data: { level: 'evacuate' } }]);
    expect(gw.events('fleet.tariff')).toMatchObject([{ id: 'tariff-7', source: '/fleet/energy', data: { price: 0.31 } }]);
    expect(gw.events('input.rejected')[0]!.data).toMatchObject({ topic: 'sites/b-12/inbox/junk', code: 'bad_json' });
    expect(gw.core.events.byId('not-ours')).toBeUndefined();
  });
});
