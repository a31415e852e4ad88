// End to end through the real process: a Zigbee2MQTT motion message turns the room's light on.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startGatewayProcess, tempDir, runCli, type GatewayProcess } from '../helpers/gateway-process.ts';
import { bridgeDevices, connect, nextMessage } from '../helpers/mqtt.ts';
import type { MqttClient } from 'mqtt';

let gateway: GatewayProcess | undefined;
let z2m: MqttClient | undefined;
const data = tempDir();
afterEach(async () => {
  await z2m?.endAsync();
  await gateway?.stop();
});
afterAll(() => data.remove());

describe('the flagship reaction, end to end', () => {
  it('sends the room light ON when a Zigbee2MQTT motion sensor reports occupancy', async () => {
    gateway = await startGatewayProcess({ data: data.path });
    // Zigbee2MQTT: one client that publishes the retained device list and subscribes to /set.
    z2m = await connect(gateway.url, 'zigbee2mqtt');
    await z2m.subscribeAsync('zigbee2mqtt/#', { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/bridge/devices', bridgeDevices(), { qos: 1, retain: true });

    const command = nextMessage(z2m, (t) => t.endsWith('/set'));
    await z2m.publishAsync('zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: true, illuminance: 120, battery: 97, linkquality: 80 }), { qos: 1 });
    expect(await command).toEqual({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"ON"}' });

    // Every step is in the log, readable while the gateway runs.
    const { code, stdout } = await runCli(['events', '--data', data.path, '--json', '--limit', '100']);
    expect(code).toBe(0);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const occupancy = events.find((e) => e.type === 'sensor.occupancy')!;
    const entered = events.find((e) => e.type === 'room.entered')!;
    const cmd = events.find((e) => e.type === 'command.light')!;
    expect(occupancy).toMatchObject({ specversion: '1.0', source: '/sites/home/zigbee2mqtt/hall/motion', partitionkey: 'hall', data: { device: 'hall/motion', occupied: true } });
    expect(entered).toMatchObject({ partitionkey: 'hall', causationid: occupancy.id, correlationid: occupancy.id, data: { room: 'hall' } });
    expect(cmd).toMatchObject({ subject: 'hall/ceiling', causationid: entered.id, correlationid: occupancy.id, data: { device: 'hall/ceiling', state: 'ON' } });
    expect(events.filter((e) => e.type === 'device.discovered').map((e) => (e.data as { device: string }).device)).toContain('hall/ceiling');
  });

  it('stops cleanly on SIGTERM and SIGINT with exit code 0, keeping the log', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      gateway = await startGatewayProcess({ data: data.path });
      const client = await connect(gateway.url);
      await client.publishAsync('cloudevents/test', JSON.stringify({ specversion: '1.0', id: `stop-${signal}`, source: '/tests', type: 'test.ping' }), { qos: 1 });
      await client.endAsync();
      expect(await gateway.stop(signal)).toBe(0);
      gateway = undefined;
      const { stdout } = await runCli(['events', '--data', data.path, '--type', 'test.ping', '--json']);
      expect(stdout).toContain(`"id":"stop-${signal}"`);
    }
  });
});
