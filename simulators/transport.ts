// How simulated devices' messages leave: a transport takes what a device publishes. One sends it over
// MQTT (a real mqtt.js client), another hands it straight to a gateway core in tests.
import type { OutboundMessage } from 'firstlight';

export interface SimTransport {
  /** Sends one message a device (or its bridge) publishes. Must not throw; errors are the transport's. */
  publish(message: OutboundMessage): void;
}

/** The part of an mqtt.js `MqttClient` the MQTT transport uses. */
export interface MqttPublisher {
  publish(topic: string, payload: string | Buffer, opts: { qos: 0 | 1 | 2; retain?: boolean }, callback?: (error?: Error) => void): unknown;
}

export function createMqttTransport(client: MqttPublisher, onError: (error: Error) => void): SimTransport & { readonly published: number } {
  let published = 0;
  const done = (error?: Error): void => {
    if (error) onError(error);
  };
  return {
    publish(m) {
      published++;
      // QoS 0 state is written without waiting, as Zigbee2MQTT does: the simulator must outpace the gateway.
      client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, done);
    },
    get published() {
      return published;
    },
  };
}

/** A transport that keeps what is published, for tests and for measuring the simulator alone. */
export function createRecordingTransport(keep = true): SimTransport & { readonly messages: OutboundMessage[]; readonly count: number } {
  const messages: OutboundMessage[] = [];
  let count = 0;
  return {
    publish(m) {
      count++;
      if (keep) messages.push(m);
    },
    messages,
    get count() {
      return count;
    },
  };
}
