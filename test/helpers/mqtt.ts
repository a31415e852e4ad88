// mqtt.js clients for tests, and a way to wait for the next message matching a topic.
import { connectAsync, type MqttClient } from 'mqtt';
import { readFileSync } from 'node:fs';

export async function connect(url: string, clientId?: string): Promise<MqttClient> {
  return connectAsync(url, { clientId: clientId ?? `test-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0, connectTimeout: 5000 });
}

/** Resolves with the first message whose topic satisfies `match`. */
export function nextMessage(client: MqttClient, match: (topic: string) => boolean): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer): void => {
      if (!match(topic)) return;
      client.off('message', onMessage);
      resolve({ topic, payload: payload.toString() });
    };
    client.on('message', onMessage);
  });
}

export const bridgeDevices = (): string => readFileSync(new URL('../fixtures/z2m-bridge-devices.json', import.meta.url), 'utf8');
