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
  /** The connection, for the QoS 0 fast path; absent in test doubles. */
  readonly stream?: { write(chunk: Buffer): boolean; destroyed?: boolean } | undefined;
  readonly connected?: boolean;
  readonly options?: { protocolVersion?: number | undefined };
}

/**
 * Publishes through an mqtt.js client. QoS 0 messages, nearly all a Zigbee2MQTT bridge sends, take a
 * fast path: framed here and written to the client's connection in one write per turn of the event
 * loop, because mqtt.js's per-publish bookkeeping would make the simulator slower than the gateway
 * it is meant to load. Anything else, or while disconnected, goes through mqtt.js as usual.
 */
export function createMqttTransport(client: MqttPublisher, onError: (error: Error) => void): SimTransport & { readonly published: number } {
  let published = 0;
  let frames: Buffer[] = [];
  let flushing = false;
  const done = (error?: Error): void => {
    if (error) onError(error);
  };
  const fast = () => client.connected === true && client.stream !== undefined && !client.stream.destroyed && client.options?.protocolVersion !== 5;

  function flush(): void {
    flushing = false;
    if (frames.length === 0) return;
    const batch = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    frames = [];
    // Backpressure stays with the socket's own buffer; a caller that must not outrun it watches it.
    if (fast()) client.stream!.write(batch);
  }

  return {
    publish(m) {
      published++;
      if (m.qos === 0 && fast()) {
        frames.push(publishFrame(m.topic, m.payload, m.retain));
        if (!flushing) {
          flushing = true;
          queueMicrotask(flush);
        }
        return;
      }
      // Keep the order of what was framed before this message.
      flush();
      client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, done);
    },
    get published() {
      return published;
    },
  };
}

/** An MQTT 3.1.1 PUBLISH packet at QoS 0: no packet identifier [MQTT-3.3.2-2]. */
export function publishFrame(topic: string, payload: string, retain: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  const payloadBytes = Buffer.byteLength(payload);
  const remaining = 2 + topicBytes + payloadBytes;
  // Remaining Length: 7 bits per byte, high bit set on all but the last [MQTT-2.2.3].
  const lengthBytes = remaining < 0x80 ? 1 : remaining < 0x4000 ? 2 : remaining < 0x200000 ? 3 : 4;
  const buf = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  buf[0] = 0x30 | (retain ? 1 : 0);
  let offset = 1;
  let left = remaining;
  do {
    let byte = left % 0x80;
    left = Math.floor(left / 0x80);
    if (left > 0) byte |= 0x80;
    buf[offset++] = byte;
  } while (left > 0);
  buf.writeUInt16BE(topicBytes, offset);
  offset += 2;
  offset += buf.write(topic, offset, 'utf8');
  buf.write(payload, offset, 'utf8');
  return buf;
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
