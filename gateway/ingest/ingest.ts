// The ingest pipeline: route a message to its adapter, decode it, normalize it into CloudEvents and
// append them; the message is acknowledged only once they (or its rejection) are committed.
import type { Clock } from '../clock.ts';
import type { NewEvent } from '../events/event.ts';
import type { Committer } from '../log/committer.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DecodeResult, DeviceAdapter, DeviceInfo, InboundMessage } from '../sdk/device.ts';
import { newEventId } from '../events/ids.ts';
import { deviceSource, factToEvent, foreignToEvent, rejectionEvent, type Rejection } from './normalize.ts';

export interface IngestStats {
  messages: number;
  events: number;
  rejected: Record<string, number>;
  ignored: number;
}

export interface IngestDeps {
  adapters: readonly DeviceAdapter[];
  registry: DeviceRegistry;
  committer: Committer;
  clock: Clock;
  sourceBase: string;
  /** Payloads larger than this are rejected before decoding. */
  maxPayloadBytes: number;
  /** Told about each rejection (for rate-limited logging). */
  onRejected?(message: InboundMessage, rejection: Rejection): void;
  onIgnored?(message: InboundMessage, reason: string): void;
}

export interface Ingest {
  /**
   * Takes one message. `done` is called once what it became is committed (or the commit failed);
   * only then may a QoS 1/2 publish be acknowledged.
   */
  accept(message: InboundMessage, done?: (err: Error | null) => void): void;
  readonly stats: IngestStats;
}

export function createIngest(deps: IngestDeps): Ingest {
  const { adapters, registry, committer, clock, sourceBase } = deps;
  const stats: IngestStats = { messages: 0, events: 0, rejected: {}, ignored: 0 };
  const context = { device: (name: string) => registry.get(name) };
  // Battery and illuminance ride along with every message of most sensors (a motion sensor reports
  // both with each detection): they are facts only when they change, not noise on every report.
  const lastValue = new Map<string, number>();

  function decode(message: InboundMessage): { adapter?: DeviceAdapter; result: DecodeResult } {
    const adapter = adapters.find((a) => a.claims(message.topic));
    if (!adapter) return { result: { kind: 'ignored', reason: 'no adapter claims this topic' } };
    if (message.payload.length > deps.maxPayloadBytes) {
      return {
        adapter,
        result: { kind: 'rejected', code: 'too_large', reason: `payload of ${message.payload.length} bytes exceeds the limit of ${deps.maxPayloadBytes}` },
      };
    }
    try {
      return { adapter, result: adapter.decode(message, context) };
    } catch (err) {
      // An adapter bug must not take ingest down: the message is kept as a rejection instead.
      return { adapter, result: { kind: 'rejected', code: 'adapter_error', reason: `adapter ${adapter.name} threw: ${(err as Error).message}` } };
    }
  }

  function normalize(adapter: DeviceAdapter, result: DecodeResult, message: InboundMessage, time: string, ms: number): { events: NewEvent[]; devices: DeviceInfo[] } | Rejection {
    switch (result.kind) {
      case 'facts': {
        const info = registry.get(result.device);
        const c = {
          source: deviceSource(sourceBase, adapter.name, result.device),
          device: result.device,
          room: info?.room,
          time,
          ms,
          message,
          raw: { topic: message.topic, payload: message.payload.toString('utf8') },
        };
        const events: NewEvent[] = [];
        for (const fact of result.facts) {
          const value = fact.type === 'device.battery' ? fact.data.percent : fact.type === 'sensor.illuminance' ? fact.data.lux : undefined;
          if (value !== undefined) {
            const key = `${fact.type}\u0000${result.device}`;
            if (lastValue.get(key) === value) continue;
            lastValue.set(key, value);
          }
          const event = factToEvent(fact, c);
          if (typeof event === 'string') return { code: 'bad_value', reason: event };
          events.push(event);
        }
        return { events, devices: [] };
      }
      case 'devices': {
        const events: NewEvent[] = [];
        const devices: DeviceInfo[] = [];
        for (const d of result.devices) {
          const changed = registry.learn(d);
          if (!changed) continue;
          devices.push(changed);
          events.push({
            id: newEventId(ms),
            source: deviceSource(sourceBase, adapter.name, changed.name),
            type: 'device.discovered',
            time,
            subject: changed.name,
            partitionkey: changed.room,
            replayed: message.replayed || undefined,
            data: { device: changed.name, adapter: changed.adapter, room: changed.room, kinds: changed.kinds, model: changed.model, vendor: changed.vendor, address: changed.address },
          });
        }
        return { events, devices };
      }
      case 'cloudevent': {
        const event = foreignToEvent(result.event, time, message);
        return typeof event === 'string' ? { code: 'bad_value', reason: event } : { events: [event], devices: [] };
      }
      case 'rejected':
        return { code: result.code, reason: result.reason };
      case 'ignored':
        return { events: [], devices: [] };
      default: {
        const never: never = result;
        return { code: 'adapter_error', reason: `unknown decode result ${JSON.stringify(never)}` };
      }
    }
  }

  return {
    stats,
    accept(message, done) {
      stats.messages++;
      const { adapter, result } = decode(message);
      if (result.kind === 'ignored') {
        stats.ignored++;
        deps.onIgnored?.(message, result.reason);
        done?.(null);
        return;
      }
      const now = clock.now();
      const time = new Date(now).toISOString();
      const normalized = normalize(adapter!, result, message, time, now);
      let events: NewEvent[];
      let devices: DeviceInfo[] = [];
      // Every event made here has an id made for it; a producer's own CloudEvent keeps its id, which a
      // redelivery repeats, so only that one is looked for in the log.
      const minted = 'code' in normalized || result.kind !== 'cloudevent';
      if ('code' in normalized) {
        stats.rejected[normalized.code] = (stats.rejected[normalized.code] ?? 0) + 1;
        deps.onRejected?.(message, normalized);
        events = [rejectionEvent(sourceBase, message, normalized, time)];
      } else {
        events = normalized.events;
        devices = normalized.devices;
      }
      if (events.length === 0 && devices.length === 0) {
        done?.(null);
        return;
      }
      stats.events += events.length;
      committer.submit({
        write() {
          for (const d of devices) registry.persist(d);
          for (const e of events) committer.append(e, minted);
        },
        done,
        // QoS 0: nobody waits for an acknowledgement, so it may wait for company (qos0CommitInterval).
        lazy: message.qos === 0,
      });
    },
  };
}
