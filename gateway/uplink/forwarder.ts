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
  /** Stops forwarding, commits the cursor, removes the log hooks. */
  stop(): Promise<void>;
}

interface InFlight {
  seq: number;
  /** Clock time it was published at. */
  sentAt: number;
  done: boolean;
}

/** A trickle of acknowledgements is committed after this long. */
const PERSIST_DELAY_MS = 100;
/**
 * A commit per window of acknowledgements, but not more often than this: each commit is an fsync,
 * which takes milliseconds on an SD card and would otherwise pace the drain.
 */
const PERSIST_SPACING_MS = 20;

export function createForwarder(deps: ForwarderDeps): Forwarder {
  const { events, committer, clock, window } = deps;
  const pageSize = deps.pageSize ?? Math.max(256, window * 4);
  const loaded = deps.cursor.load();
  let acked = loaded ?? (deps.from === 'end' ? events.head() : 0);
  let persisted = loaded;
  let saving: number | undefined;
  let persistQueued = false;
  let persistTimer: Cancel | undefined;
  let ackedSincePersist = 0;
  let lastPersistAt = 0;
  let readPos = acked;
  let buffer: LoggedEvent[] = [];
  let next = 0;
  // In log order; entries before `first` are done and waiting to be compacted away.
  let inflight: InFlight[] = [];
  let first = 0;
  let watchdog: Cancel | undefined;
  let link: { client: MqttClient; mode: ContentMode; mqtt5: boolean } | undefined;
  // Bumped on every attach and detach: callbacks from an older connection are ignored.
  let generation = 0;
  let pumping = false;
  let refillQueued = false;
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
    persistTimer?.();
    persistTimer = undefined;
    ackedSincePersist = 0;
    lastPersistAt = clock.now();
    if (persistQueued) return;
    persistQueued = true;
    committer.submit({ write() {}, done: () => void (persistQueued = false) });
  }

  /**
   * A commit per window of acknowledgements, at most every 20 ms, and after 100 ms for a trickle
   * (ingest's commits carry the cursor too). After a crash the window in flight plus what was
   * acknowledged since the last commit are sent again: duplicates, with the same ids.
   */
  function persistLater(): void {
    if (ackedSincePersist >= window && clock.now() - lastPersistAt >= PERSIST_SPACING_MS) persistSoon();
    else persistTimer ??= clock.setTimeout(persistSoon, ackedSincePersist >= window ? PERSIST_SPACING_MS : PERSIST_DELAY_MS);
  }

  function reset(): void {
    generation++;
    watchdog?.();
    watchdog = undefined;
    inflight = [];
    first = 0;
    buffer = [];
    next = 0;
    // Unacknowledged events are sent again on the next connection: at least once, duplicates by id.
    readPos = acked;
  }

  function inFlightCount(): number {
    return inflight.length - first;
  }

  function advance(): void {
    while (first < inflight.length && inflight[first]!.done) first++;
    if (first > 1024 || first === inflight.length) {
      inflight = inflight.slice(first);
      first = 0;
    }
    const through = first < inflight.length ? inflight[first]!.seq - 1 : next < buffer.length ? buffer[next]!.seq - 1 : readPos;
    if (through > acked) {
      acked = through;
      persistLater();
    }
  }

  function pump(): void {
    if (!link || pumping) return;
    pumping = true;
    try {
      // Acknowledged entries first leave the window: a burst that acknowledged all of it must refill it.
      advance();
      while (link && inFlightCount() < window) {
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
    armWatchdog();
  }

  // Acknowledgements arrive in bursts (one read holds many PUBACKs, which mqtt.js handles one per
  // tick). Refilling once per burst sends the next publishes in one write instead of one each.
  function refillSoon(): void {
    if (refillQueued) return;
    refillQueued = true;
    setImmediate(() => {
      refillQueued = false;
      pump();
    });
  }

  // One timer for the oldest unacknowledged publish: mqtt.js callbacks may never settle when the
  // server drops the connection (mqttjs/MQTT.js#1974), and a half-open link acknowledges nothing.
  function armWatchdog(): void {
    if (watchdog || first >= inflight.length) return;
    const gen = generation;
    watchdog = clock.setTimeout(() => {
      watchdog = undefined;
      if (gen !== generation) return;
      const oldest = inflight.slice(first).find((e) => !e.done);
      if (!oldest) return;
      if (clock.now() - oldest.sentAt < deps.publishTimeoutMs) return armWatchdog();
      stats.timeouts++;
      dead(`event at position ${oldest.seq} was not acknowledged within ${deps.publishTimeoutMs} ms`);
    }, Math.max(0, inflight[first]!.sentAt + deps.publishTimeoutMs - clock.now()));
  }

  function send(event: LoggedEvent, client: MqttClient, mode: ContentMode, mqtt5: boolean): void {
    const gen = generation;
    const entry: InFlight = { seq: event.seq, sentAt: clock.now(), done: false };
    inflight.push(entry);
    const { payload, properties } = encodeEvent(toCloudEventJson(event), mode, mqtt5);
    client.publish(deps.topicOf(event), payload, { qos: 1, ...(properties && { properties }) }, (err) => {
      if (gen !== generation) return;
      if (err) return dead(`publish failed: ${err.message}`);
      entry.done = true;
      stats.forwarded++;
      ackedSincePersist++;
      refillSoon();
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
    stats: () => ({ connected: link !== undefined, position: acked, head: events.head(), inflight: inFlightCount(), ...stats }),
    async stop() {
      link = undefined;
      reset();
      // What was acknowledged is kept: a clean stop sends nothing twice.
      if (acked !== persisted) persistSoon();
      persistTimer?.();
      await committer.settled();
      for (const remove of hooks) remove();
    },
  };
}
