// Tests of the simulated Zigbee2MQTT devices: what they publish decodes through the real adapter, and
// they work with a real mqtt.js client on a real (embedded aedes) broker.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import type { DeviceInfo, InboundMessage } from '../../gateway/sdk/device.ts';
import {
  createSimulatedLight,
  createSimulatedMotionSensor,
  publishDeviceList,
  type PublishingClient,
} from '../../simulators/zigbee2mqtt-devices.ts';

// A real mqtt.js client must fit the simulators' client interface.
type Fits = MqttClient extends PublishingClient ? true : never;
const fits: Fits = true;

const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
const motion: DeviceInfo = { name: 'hall/motion', adapter: 'zigbee2mqtt', room: 'hall', kinds: ['occupancy', 'illuminance', 'battery'] };
const ceiling: DeviceInfo = { name: 'hall/ceiling', adapter: 'zigbee2mqtt', room: 'hall', kinds: ['light'] };
const known = new Map([motion, ceiling].map((d) => [d.name, d]));
const context = { device: (name: string) => known.get(name) };

/** A client that records what it is asked to publish and completes each publish at once. */
function recordingClient() {
  const published: { topic: string; payload: string; qos: number; retain: boolean | undefined }[] = [];
  const client: PublishingClient = {
    publish(topic, payload, opts, callback) {
      published.push({ topic, payload: payload.toString(), qos: opts.qos, retain: opts.retain });
      callback?.();
    },
  };
  return { client, published };
}

const inbound = (topic: string, payload: string | Buffer): InboundMessage => ({
  topic, payload: Buffer.from(payload), qos: 0, retain: false, replayed: false,
});

describe('simulated Zigbee2MQTT devices', () => {
  it('a motion sensor publishes occupancy with illuminance, battery and link quality, as the adapter decodes it', async () => {
    expect(fits).toBe(true);
    const { client, published } = recordingClient();
    const sensor = createSimulatedMotionSensor({ device: motion, adapter, client, illuminance: 30 });
    await sensor.detect();
    await sensor.clear();
    expect(published.map((p) => [p.topic, JSON.parse(p.payload)])).toEqual([
      ['zigbee2mqtt/hall/motion', { linkquality: 150, occupancy: true, illuminance: 30, battery: 100 }],
      ['zigbee2mqtt/hall/motion', { linkquality: 150, occupancy: false, illuminance: 30, battery: 100 }],
    ]);
    expect(adapter.decode(inbound(published[0]!.topic, published[0]!.payload), context)).toMatchObject({
      kind: 'facts',
      facts: [{ type: 'sensor.occupancy', data: { occupied: true } }, { type: 'sensor.illuminance' }, { type: 'device.battery' }],
    });
  });

  it('a light applies the commands for it, publishes its new state, and ignores the rest', () => {
    const { client, published } = recordingClient();
    const light = createSimulatedLight({ device: ceiling, adapter, client });
    expect(light.state).toEqual({ on: false, brightness: 254 });

    expect(light.handle('zigbee2mqtt/hall/ceiling/set', '{"state":"ON","brightness":120}')).toBe(true);
    expect(light.state).toEqual({ on: true, brightness: 120 });
    expect(light.handle('zigbee2mqtt/hall/ceiling/set/state', 'OFF')).toBe(true);
    expect(light.handle('zigbee2mqtt/hall/ceiling/set', '{"state":"TOGGLE"}')).toBe(true);
    expect(light.state).toEqual({ on: true, brightness: 120 });

    expect(light.handle('zigbee2mqtt/hall/other/set', '{"state":"OFF"}')).toBe(false);
    expect(light.handle('zigbee2mqtt/hall/ceiling', '{"state":"OFF"}')).toBe(false);
    expect(published.map((p) => JSON.parse(p.payload))).toEqual([
      { state: 'ON', brightness: 120 },
      { state: 'OFF', brightness: 120 },
      { state: 'ON', brightness: 120 },
    ]);
    expect(adapter.decode(inbound(published[1]!.topic, published[1]!.payload), context)).toEqual({
      kind: 'facts',
      device: 'hall/ceiling',
      facts: [{ type: 'light.state', data: { device: 'hall/ceiling', on: false, brightness: 120 } }],
    });
  });

  it('publishes the retained device list', async () => {
    const { client, published } = recordingClient();
    await publishDeviceList(adapter, client, [motion, ceiling]);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ topic: 'zigbee2mqtt/bridge/devices', retain: true });
  });

  it('refuses an adapter without a simulation codec', () => {
    const { client } = recordingClient();
    const { simulate: _, ...bare } = adapter;
    expect(() => createSimulatedLight({ device: ceiling, adapter: bare, client })).toThrow(/simulation codec/);
  });

  it('works with real mqtt.js clients through a real broker: a controller command turns the light on', async () => {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const device = await mqtt.connectAsync(url, { clientId: 'sim-ceiling' });
    const controller = await mqtt.connectAsync(url, { clientId: 'controller' });
    try {
      const light = createSimulatedLight({ device: ceiling, adapter, client: device });
      device.on('message', (topic, payload) => light.handle(topic, payload));
      await device.subscribeAsync('zigbee2mqtt/+/+/set', { qos: 1 });
      await controller.subscribeAsync('zigbee2mqtt/hall/ceiling', { qos: 1 });
      const state = new Promise<Buffer>((resolve) => controller.once('message', (_topic, payload) => resolve(payload)));

      const command = adapter.encodeLightCommand(ceiling, { state: 'ON', brightness: 200 });
      if ('error' in command) throw new Error(command.error);
      await controller.publishAsync(command.topic, command.payload, { qos: command.qos, retain: command.retain });

      expect(JSON.parse((await state).toString())).toEqual({ state: 'ON', brightness: 200 });
      expect(light.state).toEqual({ on: true, brightness: 200 });
    } finally {
      await Promise.all([device.endAsync(), controller.endAsync()]);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
