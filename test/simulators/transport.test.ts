// The MQTT transport's QoS 0 fast path frames PUBLISH packets itself: a real broker must read them
// exactly as mqtt.js would have sent them, in order, whatever their size.
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { createMqttTransport } from '../../simulators/transport.ts';

describe('the MQTT transport', () => {
  it('delivers framed QoS 0 messages of every length class in order, beside QoS 1 ones, and retained ones stay retained', async () => {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sim = await mqtt.connectAsync(url, { clientId: 'sim' });
    const watcher = await mqtt.connectAsync(url, { clientId: 'watcher' });
    try {
      await watcher.subscribeAsync('zigbee2mqtt/#', { qos: 1 });
      const sizes = [0, 5, 120, 127, 128, 300, 16_383, 16_384, 70_000];
      const received: { topic: string; payload: string; retain: boolean }[] = [];
      const all = new Promise<void>((resolve) =>
        watcher.on('message', (topic, payload, packet) => {
          received.push({ topic, payload: payload.toString(), retain: packet.retain });
          if (received.length === sizes.length + 1) resolve();
        }),
      );
      const errors: Error[] = [];
      const transport = createMqttTransport(sim, (e) => errors.push(e));
      const sent = sizes.map((n, i) => ({ topic: `zigbee2mqtt/dev-${i}/é`, payload: 'x'.repeat(n) + (n > 0 ? 'ü' : ''), qos: 0 as const, retain: false }));
      for (const m of sent.slice(0, 4)) transport.publish(m);
      transport.publish({ topic: 'zigbee2mqtt/bridge/state', payload: '{"state":"online"}', qos: 1, retain: true });
      for (const m of sent.slice(4)) transport.publish(m);
      await all;
      expect(errors).toEqual([]);
      // QoS 0 messages arrive in the order sent; the broker may hand over a QoS 1 one at another point.
      const summary = (ms: { topic: string; payload: string }[]) => ms.map((m) => `${m.topic} ${m.payload.length} ${m.payload.slice(-1)}`);
      expect(summary(received.filter((m) => m.topic.includes('/dev-')))).toEqual(summary(sent));
      expect(received.filter((m) => m.topic === 'zigbee2mqtt/bridge/state').map((m) => m.payload)).toEqual(['{"state":"online"}']);
      // A live delivery to a subscriber carries retain 0 [MQTT-3.3.1-9]; the broker keeps a retained one.
      expect(received.every((m) => !m.retain)).toBe(true);
      expect(transport.published).toBe(sizes.length + 1);

      const retained = createMqttTransport(sim, (e) => errors.push(e));
      retained.publish({ topic: 'zigbee2mqtt/dev-r/availability', payload: '{"state":"online"}', qos: 0, retain: true });
      await new Promise((resolve) => setImmediate(resolve));
      const late = await mqtt.connectAsync(url, { clientId: 'late' });
      const got = new Promise<boolean>((resolve) => late.on('message', (_t, _p, packet) => resolve(packet.retain)));
      await late.subscribeAsync('zigbee2mqtt/dev-r/availability', { qos: 0 });
      expect(await got).toBe(true);
      await late.endAsync();
    } finally {
      await Promise.all([sim.endAsync(), watcher.endAsync()]);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
