// Bad input of every kind is kept as a rejection with its reason; the gateway keeps serving.
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { fileURLToPath } from 'node:url';
import { bridgeDevices, connect, nextMessage } from '../helpers/mqtt.ts';
import { startInProcess, type InProcessGateway } from '../helpers/in-process.ts';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
let gw: InProcessGateway | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.endAsync(true);
  await gw?.close();
});

const bad: Array<[string, string | Buffer, string]> = [
  ['zigbee2mqtt/hall/motion', '{"occupancy": tru', 'bad_json'],
  ['zigbee2mqtt/hall/motion', '[1,2,3]', 'bad_shape'],
  ['zigbee2mqtt/hall/motion', '{"occupancy":"yes"}', 'bad_value'],
  ['zigbee2mqtt/hall/motion', '{"temperature":"hot"}', 'bad_value'],
  ['zigbee2mqtt/hall/motion/availability', 'maybe', 'bad_value'],
  ['zigbee2mqtt/attic/mystery', '{"occupancy":true}', 'unknown_device'],
  ['zigbee2mqtt/hall/motion', Buffer.from([0xff, 0xfe, 0x00, 0x81]), 'bad_json'],
  ['zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: true, pad: 'x'.repeat(100_000) }), 'too_large'],
  ['cloudevents/x', 'not json', 'bad_json'],
  ['cloudevents/x', '{"specversion":"0.3","type":"a"}', 'not_cloudevent'],
  ['cloudevents/x', JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 'sensor.occupancy', data: { occupied: 'no' } }), 'bad_value'],
];

describe('bad input', () => {
  it('quarantines each bad message with its reason and still reacts to good input afterwards', async () => {
    gw = await startInProcess({ rulesDir: RULES, maxPayloadBytes: 64 * 1024 });
    client = await connect(gw.url, 'zigbee2mqtt');
    await client.subscribeAsync('zigbee2mqtt/+/+/set');
    await client.publishAsync('zigbee2mqtt/bridge/devices', bridgeDevices(), { qos: 1, retain: true });

    for (const [topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });

    const rejected = gw.core.events.query({ type: 'input.rejected' });
    expect(rejected.map((e) => (e.data as { code: string }).code)).toEqual(bad.map(([, , code]) => code));
    for (const [i, e] of rejected.entries()) {
      const data = e.data as { topic: string; reason: string; payload: string; encoding: string; truncated: boolean };
      expect(data.topic).toBe(bad[i]![0]);
      expect(data.reason.length).toBeGreaterThan(5);
    }
    // A copy of the payload is kept (bounded), as text or base64 for binary.
    const binary = rejected[6]!.data as { payload: string; encoding: string };
    expect(binary).toMatchObject({ encoding: 'base64', payload: Buffer.from([0xff, 0xfe, 0x00, 0x81]).toString('base64') });
    expect(rejected[7]!.data).toMatchObject({ truncated: true, bytes: expect.any(Number) });
    expect(gw.core.ingest.stats.rejected).toMatchObject({ bad_json: 3, bad_value: 4, unknown_device: 1, too_large: 1 });

    const command = nextMessage(client, (t) => t.endsWith('/set'));
    await client.publishAsync('zigbee2mqtt/hall/motion', '{"occupancy":true}', { qos: 1 });
    expect(await command).toEqual({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"ON"}' });
  });

  it('stores a repeated CloudEvent (same source and id) once', async () => {
    gw = await startInProcess();
    client = await connect(gw.url);
    const event = JSON.stringify({ specversion: '1.0', id: 'tariff-7', source: '/utility', type: 'tariff.changed', data: { price: 0.31 } });
    await client.publishAsync('cloudevents/tariff', event, { qos: 1 });
    await client.publishAsync('cloudevents/tariff', event, { qos: 1 });
    expect(gw.core.events.query({ type: 'tariff.changed' })).toMatchObject([{ id: 'tariff-7', source: '/utility', data: { price: 0.31 } }]);
  });
});
