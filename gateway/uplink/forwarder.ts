// Store-and-forward from the log to the upstream broker: a durable cursor that advances only over
// events the upstream acknowledged (PUBACK), a bounded window in flight, and a timeout on each publish.
import type { MqttClient } from 'mqtt';
import type { Cancel, Clock } from '../clock.ts';
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import type { Committer } from '../log/committer.ts';
import type { EventStore } from '../log/event-store.ts';
import { encodeEvent, type ContentMode } from './cloudevents-mqtt.ts';

export interface ForwarderDeps {
  events: EventStore;
  committer: Committer;
  /** The durable cursor; `save` runs inside a transaction. */
  cursor: { load(): number | undefined; save(position: number): void };
  clock: Clock;
  selects(type: string): boolean;
  topicOf(event: LoggedEvent): string;
  /** Publishes in flight, at most. */
  window: number;
  publishTimeoutMs: number;
  /** Where a new cursor starts. */
  from: 'end' | 'start';
  /** The link is dead (a publish failed or timed out): drop it, it reconnects. */
  onDeadLink(reason: string): void;
  /** Events read from the log at a time. Default 4 windows, at least 256. */
  pageSize?: number;
}

export interface ForwarderStats {
  connected: boolean;
  /** Every selected event up to here is acknowledged upstream. */
  position: number;
  /** Newest position in the log. */
  head: number;
  inflight: number;
  forwarded: number;
  timeouts: number;
}

export interface Forwarder {
  attach(client: MqttClient, mode: ContentMode, mqtt5: boolean): void;
  detach(): void;
  stats(): ForwarderStats;
  /** Removes the log hooks. */
  stop(): void;
}

interface InFlight {
  seq: number;
  done: boolean;
  cancel: Cancel;
}

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const { events, committer, clock, window } = deps;
  const pageSize = deps.pageSize ?? Math.max(256, window * 4);
  const loaded = deps.cursor.load();
  let acked = loaded ?? (deps.from === 'end' ? events.head() : 0);
  let persisted = loaded;
  let saving: number | undefined;
  let persistQueued = false;
  let readPos = acked;
  let buffer: LoggedEvent[] = [];
  let next = 0;
  let inflight: InFlight[] = [];
  let link: { client: MqttClient; mode: ContentMode; mqtt5: boolean } | undefined;
  // Bumped on every attach and detach: callbacks from an older connection are ignored.
  let generation = 0;
  let pumping = false;
  const stats = { forwarded: 0, timeouts: 0 };

  const hooks = [
    // The cursor rides along with the next transaction: ingest's, or an empty one asked for below.
    committer.beforeCommit(() => {
      saving = undefined;
      if (acked !== persisted) deps.cursor.save((saving = acked));
    }),
    committer.onCommitted((fresh) => {
      if (saving !== undefined) persisted = saving;
      if (fresh.length > 0) pump();
    }),
  ];
  if (loaded === undefined) persistSoon();

  function persistSoon(): void {
    if (persistQueued) return;
    persistQueued = true;
    committer.submit({ write() {}, done: () => void (persistQueued = false) });
  }

  function reset(): void {
    generation++;
    for (const entry of inflight) entry.cancel();
    inflight = [];
    buffer = [];
    next = 0;
    // Unacknowledged events are sent again on the next connection: at least once, duplicates by id.
    readPos = acked;
  }

  function advance(): void {
    let done = 0;
    while (done < inflight.length && inflight[done]!.done) done++;
    if (done > 0) inflight = inflight.slice(done);
    const through = inflight.length > 0 ? inflight[0]!.seq - 1 : next < buffer.length ? buffer[next]!.seq - 1 : readPos;
    if (through > acked) {
      acked = through;
      persistSoon();
    }
  }

  function pump(): void {
    if (!link || pumping) return;
    pumping = true;
    try {
      while (link && inflight.length < window) {
        if (next >= buffer.length) {
          if (readPos >= events.head()) break;
          // The backlog lives in the log: only a page of it is in memory at a time.
          const page = events.after(readPos, pageSize);
          if (page.length === 0) break;
          readPos = page.at(-1)!.seq;
          buffer = page.filter((e) => deps.selects(e.type));
          next = 0;
          continue;
        }
        send(buffer[next++]!, link.client, link.mode, link.mqtt5);
      }
    } finally {
      pumping = false;
    }
    advance();
  }

  function send(event: LoggedEvent, client: MqttClient, mode: ContentMode, mqtt5: boolean): void {
    const gen = generation;
    const entry: InFlight = { seq: event.seq, done: false, cancel: () => {} };
    inflight.push(entry);
    const { payload, properties } = encodeEvent(toCloudEventJson(event), mode, mqtt5);
    // mqtt.js callbacks may never settle when the server drops the connection (mqttjs/MQTT.js#1974).
    entry.cancel = clock.setTimeout(() => {
      if (gen !== generation) return;
      stats.timeouts++;
      dead(`event ${event.id} was not acknowledged within ${deps.publishTimeoutMs} ms`);
    }, deps.publishTimeoutMs);
    client.publish(deps.topicOf(event), payload, { qos: 1, ...(properties && { properties }) }, (err) => {
      if (gen !== generation) return;
      entry.cancel();
      if (err) return dead(`publish failed: ${err.message}`);
      entry.done = true;
      stats.forwarded++;
      advance();
      pump();
    });
  }

  function dead(reason: string): void {
    // Nothing more goes out on this connection; the next one resends from the cursor.
    link = undefined;
    reset();
    deps.onDeadLink(reason);
  }

  return {
    attach(client, mode, mqtt5) {
      reset();
      link = { client, mode, mqtt5 };
      pump();
    },
    detach() {
      link = undefined;
      reset();
    },
    stats: () => ({ connected: link !== undefined, position: acked, head: events.head(), inflight: inflight.length, ...stats }),
    stop() {
      link = undefined;
      reset();
      for (const remove of hooks) remove();
    },
  };
}
