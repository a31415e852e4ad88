// The link to the fleet's central broker: the uplink forwards selected events from the log, the
// downlink appends what arrives in the site's inbox. One persistent session carries both.
import type { Clock } from '../clock.ts';
import type { UplinkConfig } from '../config/link-schema.ts';
import type { Committer } from '../log/committer.ts';
import type { Db } from '../log/database.ts';
import type { EventStore } from '../log/event-store.ts';
import type { LogSink } from '../logger.ts';
import type { InboundMessage } from '../sdk/device.ts';
import { deferAcks } from '../broker/deferred-acks.ts';
import { resolveLink } from '../broker/link-options.ts';
import { startReconnectingClient, type LinkStats, type ReconnectingClientDeps } from '../broker/reconnecting-client.ts';
import { createSessionWatch } from '../broker/session-watch.ts';
import { toStructuredPayload, type ContentMode } from './cloudevents-mqtt.ts';
import { createForwarder, type ForwarderStats } from './forwarder.ts';
import { inboxFilter, topicLayout, typeMatcher } from './selection.ts';

/** Name of the uplink's cursor in the consumers table. */
export const UPLINK_CONSUMER = 'uplink';

export interface UpstreamDeps {
  config: UplinkConfig;
  site: string;
  /** e.g. /sites/home */
  sourceBase: string;
  db: Db;
  events: EventStore;
  committer: Committer;
  /** The cursor's home (the consumers table, through the rule store). */
  positions: { position(name: string): number | undefined; setPosition(name: string, position: number, version: string | null): void };
  /** Takes an inbox message (the inbox adapter decodes it); `done` once committed. */
  accept(message: InboundMessage, done: (err: Error | null) => void): void;
  clock: Clock;
  log: LogSink;
  random?: () => number;
  connect?: ReconnectingClientDeps['connect'];
}

export interface Upstream {
  readonly url: string;
  readonly clientId: string;
  /** The inbox topic filter, when the downlink is on. */
  readonly inbox: string | undefined;
  stats(): { link: LinkStats; forward: ForwarderStats; mode: ContentMode | undefined };
  /** Resolves once connected and, with the downlink on, subscribed to the inbox. */
  whenLive(): Promise<void>;
  /** Stops forwarding and taking inbox messages, then disconnects (the session stays on the broker). */
  close(): Promise<void>;
}

export function startUpstream(deps: UpstreamDeps): Upstream {
  const { config, clock, log } = deps;
  const link = resolveLink(config, `firstlight-${deps.site}-uplink`);
  const inbox = config.inbox.enabled ? inboxFilter(config.inbox.topic, deps.site) : undefined;
  const watch = inbox
    ? createSessionWatch({ db: deps.db, committer: deps.committer, clock, brokerUrl: link.url, clientId: link.clientId, topics: [inbox], source: `${deps.sourceBase}/uplink` })
    : undefined;
  let accepting = true;
  let mode: ContentMode | undefined;
  let markLive!: () => void;
  const live = new Promise<void>((resolve) => (markLive = resolve));

  const forwarder = createForwarder({
    events: deps.events,
    committer: deps.committer,
    cursor: {
      load: () => deps.positions.position(UPLINK_CONSUMER),
      save: (position) => deps.positions.setPosition(UPLINK_CONSUMER, position, null),
    },
    clock,
    selects: typeMatcher(config.types),
    topicOf: topicLayout(config.topic, deps.site),
    window: config.window,
    publishTimeoutMs: config.publishTimeout,
    from: config.from,
    onDeadLink(reason) {
      log.warn('uplink: link presumed dead, reconnecting', { reason });
      connection.drop(reason);
    },
  });

  const connection = startReconnectingClient({
    name: 'uplink',
    link,
    protocol: config.protocol === 'auto' ? 'auto' : config.protocol === '5' ? 5 : 4,
    clock,
    log,
    random: deps.random,
    connect: deps.connect,
    prepare(client) {
      if (!inbox) return;
      deferAcks(
        client,
        (packet, ack) => {
          if (!accepting) return;
          const payload = toStructuredPayload(packet);
          deps.accept({ topic: packet.topic, payload, qos: packet.qos, retain: packet.retain, replayed: packet.retain }, ack);
        },
        (err) => {
          log.error('commit failed: reconnecting so the upstream redelivers the inbox', { err: err.message });
          connection.drop('commit failed');
        },
      );
    },
    onConnect(client, info) {
      const mqtt5 = info.protocolVersion === 5;
      // Binary mode needs MQTT 5 user properties [binding 3.1]; on 3.1.1 only structured exists.
      mode = config.contentMode === 'structured' || !mqtt5 ? 'structured' : 'binary';
      if (config.contentMode === 'binary' && !mqtt5) log.warn('uplink: the upstream speaks MQTT 3.1.1, so events go in structured mode', { url: link.url });
      forwarder.attach(client, mode, mqtt5);
      if (!inbox || !watch) return markLive();
      if (!watch.connected(info.sessionPresent).subscribe) {
        watch.live();
        return markLive();
      }
      client.subscribe(inbox, { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) {
          log.error('uplink: subscribing to the inbox failed', { inbox, err: err?.message });
          return connection.drop('inbox subscribe failed');
        }
        watch.live();
        markLive();
      });
    },
    onDisconnect(_client, lastHeardAt) {
      forwarder.detach();
      watch?.disconnected(lastHeardAt);
    },
  });

  return {
    url: link.url,
    clientId: link.clientId,
    inbox,
    stats: () => ({ link: { ...connection.stats }, forward: forwarder.stats(), mode }),
    whenLive: () => live,
    async close() {
      accepting = false;
      watch?.disconnected();
      await forwarder.stop();
      // Inbox messages already taken commit now, so their PUBACKs go out before the DISCONNECT.
      await deps.committer.settled();
      await connection.close();
    },
  };
}
