// External broker mode: the gateway is a client of an existing broker (e.g. Zigbee2MQTT's Mosquitto).
// A persistent session holds messages while the gateway restarts; each is acknowledged only after
// it is committed; a lost session is renewed and recorded as a gap; commands go out the same way.
import type { MqttClient } from 'mqtt';
import type { Clock } from '../clock.ts';
import type { BrokerConfig } from '../config/link-schema.ts';
import type { Committer } from '../log/committer.ts';
import type { Db } from '../log/database.ts';
import type { LogSink } from '../logger.ts';
import type { InboundMessage } from '../sdk/device.ts';
import type { Broker } from './broker.ts';
import { createCommandPublisher } from './command-publisher.ts';
import { deferAcks } from './deferred-acks.ts';
import { resolveLink } from './link-options.ts';
import { startReconnectingClient, type LinkStats, type ReconnectingClientDeps } from './reconnecting-client.ts';
import { createSessionWatch } from './session-watch.ts';

export interface ExternalBrokerDeps {
  config: BrokerConfig;
  site: string;
  /** Topic filters to subscribe to: every adapter's `topics`. */
  topics: readonly string[];
  /** Takes a message; `done` once what it became is committed. */
  accept(message: InboundMessage, done: (err: Error | null) => void): void;
  db: Db;
  committer: Committer;
  clock: Clock;
  log: LogSink;
  /** e.g. /sites/home */
  sourceBase: string;
  random?: () => number;
  connect?: ReconnectingClientDeps['connect'];
}

export interface ExternalBroker extends Broker {
  readonly kind: 'external';
  readonly clientId: string;
  stats(): LinkStats & { pendingCommands: number };
  /** Resolves once subscribed (or the session already held the subscriptions). */
  whenLive(): Promise<void>;
}

export function startExternalBroker(deps: ExternalBrokerDeps): ExternalBroker {
  const { clock, log } = deps;
  const link = resolveLink(deps.config, `firstlight-${deps.site}`);
  const topics = [...new Set(deps.topics)];
  const watch = createSessionWatch({
    db: deps.db,
    committer: deps.committer,
    clock,
    brokerUrl: link.url,
    clientId: link.clientId,
    topics,
    source: `${deps.sourceBase}/broker`,
  });
  const commands = createCommandPublisher({ clock, timeoutMs: deps.config.publishTimeout });
  let accepting = true;
  let markLive!: () => void;
  const live = new Promise<void>((resolve) => (markLive = resolve));

  const connection = startReconnectingClient({
    name: 'broker',
    link,
    // 3.1.1: what every broker Zigbee2MQTT, Tasmota or Shelly devices use speaks.
    protocol: 4,
    clock,
    log,
    random: deps.random,
    connect: deps.connect,
    prepare(client) {
      deferAcks(
        client,
        (packet, ack) => {
          // After stopListening nothing more is taken or acknowledged: the broker keeps it for the next session.
          if (!accepting) return;
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          // [MQTT-3.3.1-8]/[MQTT-3.3.1-9]: RETAIN is set only on retained messages sent because of a
          // new subscription, so a set flag here is a replay of stored state, not a new fact.
          deps.accept({ topic: packet.topic, payload, qos: packet.qos, retain: packet.retain, replayed: packet.retain }, ack);
        },
        (err) => {
          log.error('commit failed: reconnecting so the broker redelivers what was not acknowledged', { err: err.message });
          connection.drop('commit failed');
        },
      );
    },
    onConnect(client, info) {
      commands.attach(client);
      const { subscribe } = watch.connected(info.sessionPresent);
      // No adapter listens on anything: nothing to subscribe (an empty SUBSCRIBE is a protocol error).
      if (!subscribe || topics.length === 0) {
        watch.live();
        return markLive();
      }
      subscribeAll(client);
    },
    onDisconnect(_client, lastHeardAt) {
      watch.disconnected(lastHeardAt);
      commands.detach();
    },
  });

  function subscribeAll(client: MqttClient): void {
    // QoS 1 both ways: the broker queues for the offline session and we acknowledge after commit.
    client.subscribe(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])), (err, granted) => {
      const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
      if (err || refused.length > 0) {
        log.error('subscribing failed', { err: err?.message, refused });
        return connection.drop('subscribe failed');
      }
      log.info('broker subscriptions live', { topics });
      watch.live();
      markLive();
    });
  }

  return {
    kind: 'external',
    url: link.url,
    clientId: link.clientId,
    publish: (message, done) => commands.publish(message, done),
    stopListening() {
      accepting = false;
    },
    async close() {
      accepting = false;
      commands.close();
      watch.disconnected();
      await connection.close();
    },
    stats: () => ({ ...connection.stats, pendingCommands: commands.pending }),
    whenLive: () => live,
  };
}
