// The embedded MQTT 3.1.1 broker (aedes): devices publish here, and a QoS 1/2 publish is
// acknowledged only after what it became is committed to the log.
import { Aedes, type PublishPacket, type Client } from 'aedes';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { InboundMessage, OutboundMessage } from '../sdk/device.ts';
import type { Broker } from './broker.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Takes a device message; `done` only after it is committed (called for QoS 1/2). */
  accept(message: InboundMessage, done?: (err: Error | null) => void): void;
}

export interface EmbeddedBroker extends Broker {
  readonly kind: 'embedded';
  readonly host: string;
  readonly port: number;
  publish(message: OutboundMessage, done: (err?: Error | null) => void): void;
  /** Stops accepting new connections; connected clients stay until `close`. */
  stopListening(): void;
  /** Disconnects every client and closes the broker. */
  close(): Promise<void>;
  connectedClients(): number;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (err?: Error | null) => void) {
      if (!client) return callback(null);
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS topics are read-only'));
      const message: InboundMessage = {
        topic: packet.topic,
        payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
        qos: packet.qos,
        retain: packet.retain,
        // A live publish is a fact even with the retain flag set; replays only come from subscribing.
        replayed: false,
        clientId: client.id,
      };
      if (packet.qos === 0) {
        options.accept(message);
        return callback(null);
      }
      // aedes writes PUBACK as soon as this callback runs ([MQTT-4.3.2] lets us delay it), so the
      // callback waits for the group commit. An error closes the connection instead of acking; the
      // client resends on reconnect.
      options.accept(message, (err) => callback(err));
    },
  });

  // TCP_NODELAY: without it Nagle plus delayed ACKs put tens of ms on small packets at high rates.
  const server: Server = createServer({ noDelay: true }, broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    // The broker's own timers would keep the process alive after a failed start.
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = server.address() as AddressInfo;

  return {
    kind: 'embedded',
    url: `mqtt://${address.address}:${address.port}`,
    host: address.address,
    port: address.port,
    publish(message, done) {
      broker.publish(
        { cmd: 'publish', topic: message.topic, payload: Buffer.from(message.payload), qos: message.qos, retain: message.retain, dup: false },
        (err) => done(err ?? null),
      );
    },
    stopListening: () => void server.close(),
    async close() {
      server.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
    connectedClients: () => broker.connectedClients,
  };
}
