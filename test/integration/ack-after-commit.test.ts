// A QoS 1 publish is acknowledged only after its event is committed, never before.
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { connect } from '../helpers/mqtt.ts';
import { startInProcess, turns, type InProcessGateway } from '../helpers/in-process.ts';

let gw: InProcessGateway | undefined;
let client: MqttClient | undefined;
afterEach(async () => {
  await client?.endAsync(true);
  await gw?.close();
});

describe('acknowledgement after commit', () => {
  it('withholds PUBACK until the group commit has written the event', async () => {
    // The test holds the group commit back, so it can look at the moment between receipt and commit.
    const pending: Array<() => void> = [];
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    gw = await startInProcess({
      schedule: (flush) => {
        pending.push(flush);
        received();
      },
    });
    client = await connect(gw.url);
    const acks: number[] = [];
    client.on('packetreceive', (p) => p.cmd === 'puback' && acks.push(p.messageId!));
    const published = client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id: 'a1', source: '/t', type: 'test.one' }), { qos: 1 });

    await arrived;
    await turns(5);
    expect(acks).toEqual([]);
    expect(gw.core.events.query({ type: 'test.one' })).toEqual([]);

    pending.shift()!();
    await published;
    expect(acks).toHaveLength(1);
    expect(gw.core.events.query({ type: 'test.one' }).map((e) => e.id)).toEqual(['a1']);
  });

  it('does not hold up QoS 0 publishes, but still logs them', async () => {
    gw = await startInProcess();
    client = await connect(gw.url);
    await client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id: 'q0', source: '/t', type: 'test.zero' }), { qos: 0 });
    // A QoS 1 publish after it is acknowledged after both are committed (one client, in order).
    await client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id: 'q1', source: '/t', type: 'test.zero' }), { qos: 1 });
    expect(gw.core.events.query({ type: 'test.zero' }).map((e) => e.id)).toEqual(['q0', 'q1']);
  });
});
