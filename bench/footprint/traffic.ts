// Zigbee2MQTT-shaped traffic at a fixed rate: a motion sensor, a door contact and a climate sensor
// of the test fixture's network, in turn, with changing values (every message is a fact to store).
import type { MqttClient } from 'mqtt';

const SENSORS: ((i: number) => [string, string])[] = [
  (i) => ['zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: i % 2 === 0, illuminance: 100 + (i % 50), battery: 97, linkquality: 80 })],
  (i) => ['zigbee2mqtt/kitchen/door', JSON.stringify({ contact: i % 2 === 0, battery: 90, linkquality: 70 })],
  (i) => ['zigbee2mqtt/ground/living room/climate', JSON.stringify({ temperature: 20 + (i % 40) / 10, humidity: 40 + (i % 7), pressure: 1000, battery: 80, linkquality: 60 })],
];

/**
 * Publishes `count` messages at `rate` per second, on a schedule (not back to back), and resolves
 * when the last is sent (QoS 1: acknowledged, i.e. committed).
 */
export async function publishAtRate(client: MqttClient, rate: number, count: number, qos: 0 | 1): Promise<void> {
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const [topic, payload] = SENSORS[i % SENSORS.length]!(i);
    pending.push(client.publishAsync(topic, payload, { qos }));
  }
  await Promise.all(pending);
}
