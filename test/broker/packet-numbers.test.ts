// The embedded broker acknowledges QoS 1 without mqtt-packet's table of 65,536 packet-id Buffers,
// ~6.5 MB of heap an idle gateway on a Pi would otherwise keep from its first acknowledgement on.
import { createRequire } from 'node:module';
import { afterEach, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startInProcess, type InProcessGateway } from '../helpers/in-process.ts';

const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

let gw: InProcessGateway | undefined;
afterEach(async () => gw?.close());

it('acknowledges a QoS 1 publish with its packet id, and builds no table of them', async () => {
  gw = await startInProcess();
  const client = await mqtt.connectAsync(gw.url, { clientId: 'packet-numbers' });
  try {
    const packet = await client.publishAsync('zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: true }), { qos: 1 });
    // The PUBACK carried the id back (mqtt.js matched it to this publish), numbered without the table.
    expect(packet?.messageId).toBeGreaterThan(0);
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  } finally {
    await client.endAsync();
  }
});
