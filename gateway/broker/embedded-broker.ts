// The embedded MQTT 3.1.1 broker (aedes): devices publish here, and a QoS 1/2 publish is
// acknowledged only after what it became is committed to the log.
import { Aedes, type PublishPacket, type Client } from 'aedes';
import { systemClock, type Clock } from '../clock.ts';
import { createMqttAuth, type MqttUser } from '../security/mqtt-auth.ts';
import type { InboundMessage, OutboundMessage } from '../sdk/device.ts';
import type { Broker } from './broker.ts';
import { startListeners, type TlsListenerOptions } from './listeners.ts';
import { limitOfflineQueue } from './offline-queue-limit.ts';
import './packet-numbers.ts';

/** Limits checked before work is done for a client (config: mqtt.limits). */
export interface BrokerLimits {
  maxPacketBytes: number;
  maxTopicLevels: number;
  maxTopicLength: number;
  connectTimeout: number;
  maxConnections: number;
  offlineQueue: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBytes: 2_000_000,
  maxTopicLevels: 16,
  maxTopicLength: 1024,
  connectTimeout: 10_000,
  maxConnections: 500,
  offlineQueue: 1000,
};

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  /** Takes a device message; `done` only after it is committed (called for QoS 1/2). */
  accept(message: InboundMessage, done?: (err: Error | null) => void): void;
  /** Device users (mqtt.users); none: anonymous clients are let in. */
  users?: Readonly<Record<string, MqttUser>> | undefined;
  /** An mqtts listener beside the plain one. */
  tls?: TlsListenerOptions | undefined;
  limits?: Partial<BrokerLimits> | undefined;
  /** Paces slowed-down logins. Default: the system clock. */
  clock?: Clock | undefined;
  /** Told about each refused connection, publish or subscription (the caller rate-limits logs). */
  onRefused?(what: string, details: Record<string, unknown>): void;
}

export interface EmbeddedBroker extends Broker {
  readonly kind: 'embedded';
  readonly host: string;
  readonly port: number;
  /** The mqtts listener's port, when there is one. */
  readonly tlsPort: number | undefined;
  publish(message: OutboundMessage, done: (err?: Error | null) => void): void;
  /** Stops accepting new connections; connected clients stay until `close`. */
  stopListening(): void;
  /** Disconnects every client and closes the broker. */
  close(): Promise<void>;
  connectedClients(): number;
  /** Open sockets on all listeners, CONNECT sent or not (bounded by mqtt.limits.maxConnections). */
  openConnections(): number;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const refused = (what: string, details: Record<string, unknown>): void => options.onRefused?.(what, details);
  const auth = createMqttAuth({ users: options.users ?? {}, maxTopicLength: limits.maxTopicLength, clock: options.clock ?? systemClock, onRefused: refused });
  const broker = await Aedes.createBroker({
    connectTimeout: limits.connectTimeout,
    maxTopicLevels: limits.maxTopicLevels,
    preConnect: auth.preConnect,
    authenticate: auth.authenticate,
    authorizeSubscribe: auth.authorizeSubscribe,
    authorizePublish(client: Client | null, packet: PublishPacket, callback: (err?: Error | null) => void) {
      if (!client) return callback(null);
      if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS topics are read-only'));
      // Refused before it becomes work; the connection closes [MQTT-3.3.5-2] and the client learns.
      const refusal = auth.checkPublish(client, packet);
      if (refusal !== undefined) {
        refused('publish refused', { clientId: client.id, topic: packet.topic, reason: refusal });
        return callback(new Error(refusal));
      }
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

  limitOfflineQueue(broker, limits.offlineQueue, (clientId) => refused('offline message dropped', { clientId, reason: `its offline queue is full (mqtt.limits.offlineQueue: ${limits.offlineQueue})` }));

  let listeners;
  try {
    listeners = await startListeners({
      host: options.host,
      port: options.port,
      tls: options.tls,
      maxPacketBytes: limits.maxPacketBytes,
      maxConnections: limits.maxConnections,
      handshakeTimeoutMs: limits.connectTimeout,
      handle: (connection) => broker.handle(connection),
      onViolation: (reason, address) => refused('connection closed', { address, reason }),
      onRefused: (reason, address) => refused('connection refused', { address, reason }),
    });
  } catch (err) {
    // The broker's own timers would keep the process alive after a failed start.
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const address = listeners.plain;

  return {
    kind: 'embedded',
    url: `mqtt://${address.address}:${address.port}`,
    host: address.address,
    port: address.port,
    tlsPort: listeners.tls?.port,
    publish(message, done) {
      broker.publish(
        { cmd: 'publish', topic: message.topic, payload: Buffer.from(message.payload), qos: message.qos, retain: message.retain, dup: false },
        (err) => done(err ?? null),
      );
    },
    stopListening: () => listeners.stopListening(),
    async close() {
      listeners.stopListening();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
    connectedClients: () => broker.connectedClients,
    openConnections: () => listeners.open,
  };
}
