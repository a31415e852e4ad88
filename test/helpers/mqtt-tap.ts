// A TCP proxy between an MQTT 3.1.1 client and its broker that watches the client's PUBACKs: it
// tells the test which message each one acknowledges, at the moment it passes. The harness owns it,
// so it sees what was acknowledged even when the client or the broker is killed.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface MqttTap {
  port: number;
  url: string;
  /** Drops every connection through the tap now (the broker and the client see a reset). */
  cut(): void;
  close(): Promise<void>;
}

/** `onPuback` gets the payload of the PUBLISH (broker to client) that the client's PUBACK answers. */
export async function startMqttTap(brokerPort: number, onPuback: (payload: Buffer, topic: string) => void): Promise<MqttTap> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const broker = createConnection({ port: brokerPort, host: '127.0.0.1' });
    sockets.add(client).add(broker);
    const inFlight = new Map<number, { topic: string; payload: Buffer }>();
    const fromBroker = packets((type, flags, body) => {
      if (type !== 3) return;
      const qos = (flags >> 1) & 3;
      const topicLength = body.readUInt16BE(0);
      const topic = body.subarray(2, 2 + topicLength).toString('utf8');
      if (qos === 0) return;
      inFlight.set(body.readUInt16BE(2 + topicLength), { topic, payload: body.subarray(4 + topicLength) });
    });
    const fromClient = packets((type, _flags, body) => {
      if (type !== 4) return;
      const id = body.readUInt16BE(0);
      const message = inFlight.get(id);
      inFlight.delete(id);
      if (message) onPuback(message.payload, message.topic);
    });
    broker.on('data', (chunk: Buffer) => {
      fromBroker(chunk);
      client.write(chunk);
    });
    // Seen before it is forwarded: when the broker can act on a PUBACK, the test already knows of it.
    client.on('data', (chunk: Buffer) => {
      fromClient(chunk);
      broker.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
    };
    client.on('close', end).on('error', end);
    broker.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    cut() {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Splits a byte stream into MQTT packets: fixed header, remaining length (varint), body. */
function packets(onPacket: (type: number, flags: number, body: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let i = 1;
      for (;; i++) {
        if (i >= pending.length) return;
        const byte = pending[i]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) break;
      }
      const start = i + 1;
      if (pending.length < start + length) return;
      onPacket(pending[0]! >> 4, pending[0]! & 0x0f, pending.subarray(start, start + length));
      pending = pending.subarray(start + length);
    }
  };
}
