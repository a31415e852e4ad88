// Malformed MQTT packets over raw TCP, one fresh connection each: the broker closes the connection
// (or answers as the spec says), stores nothing, throws nothing, and other clients are unaffected.
// (reliability-security.md tests 19, 21 and 22)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import type { EmbeddedBroker } from '../../gateway/broker/embedded-broker.ts';
import { startAcceptingBroker } from '../helpers/accepting-broker.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';
import { CONNACK_OK, connectPacket, RawClient } from '../helpers/raw-mqtt.ts';
import { malformedCases } from './packets/malformed-cases.ts';

let broker: EmbeddedBroker;
let control: MqttClient;
let accepted: InboundMessage[] = [];
const uncaught: unknown[] = [];
const onUncaught = (err: unknown): void => void uncaught.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  ({ broker, accepted } = await startAcceptingBroker({
    limits: { maxPacketBytes: 256 * 1024 },
  }));
  control = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'control', reconnectPeriod: 0 });
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await control.endAsync(true);
  await broker.close();
});

describe('malformed MQTT packets', () => {
  it.each(malformedCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const raw = await RawClient.open(broker.port);
    try {
      if (!c.first) {
        raw.send(connectPacket(`raw-${Math.random().toString(16).slice(2, 8)}`));
        expect(await raw.expectBytes(4)).toBe(CONNACK_OK);
      }
      const result = c.truncated ? await raw.finish(c.bytes) : await raw.exchange(c.bytes);
      if (c.expect === 'close') expect(result.closed).toBe(true);
      else expect(result).toEqual({ received: c.expect.reply, closed: false });
    } finally {
      raw.end();
    }
  });

  it('stored nothing from any of them, threw nothing, and still serves a well-behaved client', async () => {
    expect(accepted).toEqual([]);
    await control.publishAsync('cloudevents/control', '{}', { qos: 1 });
    expect(accepted.map((m) => m.topic)).toEqual(['cloudevents/control']);
    expect(uncaught).toEqual([]);
    expect(broker.connectedClients()).toBe(1);
  });
});
