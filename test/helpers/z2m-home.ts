// A Zigbee2MQTT stand-in for tests, over real MQTT: publishes the fixture's device list, reports
// motion, and answers each light command with the light's new state, as a real bulb does.
import type { MqttClient } from 'mqtt';
import { bridgeDevices, connect } from './mqtt.ts';

export interface Z2mHome {
  client: MqttClient;
  /** Publishes a motion sensor's state (QoS 1: resolves once the gateway has committed it). */
  motion(device: string, occupied: boolean): Promise<void>;
  /** Resolves once the next command for `device` has been answered and the answer acknowledged. */
  nextAnswer(device: string): Promise<{ state: string }>;
  /** Publishes a light's state as if someone used a wall switch. */
  lightState(device: string, on: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startZ2mHome(url: string): Promise<Z2mHome> {
  const client = await connect(url, 'zigbee2mqtt');
  const waiting = new Map<string, Array<(answer: { state: string }) => void>>();
  await client.subscribeAsync('zigbee2mqtt/#', { qos: 1 });
  client.on('message', (topic, payload) => {
    if (!topic.endsWith('/set')) return;
    const device = topic.slice('zigbee2mqtt/'.length, -'/set'.length);
    const { state } = JSON.parse(payload.toString()) as { state: string };
    void client.publishAsync(`zigbee2mqtt/${device}`, JSON.stringify({ state, brightness: 254, linkquality: 120 }), { qos: 1 }).then(() => {
      for (const resolve of waiting.get(device)?.splice(0) ?? []) resolve({ state });
    });
  });
  await client.publishAsync('zigbee2mqtt/bridge/devices', bridgeDevices(), { qos: 1, retain: true });
  return {
    client,
    async motion(device, occupied) {
      await client.publishAsync(`zigbee2mqtt/${device}`, JSON.stringify({ occupancy: occupied, illuminance: 120, battery: 97, linkquality: 80 }), { qos: 1 });
    },
    nextAnswer: (device) => new Promise((resolve) => waiting.set(device, [...(waiting.get(device) ?? []), resolve])),
    async lightState(device, on) {
      await client.publishAsync(`zigbee2mqtt/${device}`, JSON.stringify({ state: on ? 'ON' : 'OFF', brightness: 254, linkquality: 120 }), { qos: 1 });
    },
    close: () => client.endAsync(),
  };
}
