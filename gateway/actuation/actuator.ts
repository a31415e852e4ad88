// Sends recorded commands to devices after they commit (an outbox over the log): at least once,
// in log order, resuming from a durable position after a restart.
import type { Clock } from '../clock.ts';
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';
import { derivedId } from '../events/ids.ts';
import type { Committer } from '../log/committer.ts';
import type { EventStore } from '../log/event-store.ts';
import type { RuleStore } from '../engine/rule-store.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceAdapter, OutboundMessage } from '../sdk/device.ts';

/** Publishes a message to devices; `done` is called once the broker took it. */
export type Publish = (message: OutboundMessage, done: (err?: Error | null) => void) => void;

export interface ActuatorStats {
  sent: number;
  failed: number;
  expired: number;
}

export interface ActuatorDeps {
  committer: Committer;
  events: EventStore;
  store: RuleStore;
  registry: DeviceRegistry;
  adapters: readonly DeviceAdapter[];
  publish: Publish;
  clock: Clock;
  sourceBase: string;
  /** A command older than this when it is due to be sent (after downtime) is expired, not sent. */
  maxCommandAgeMs: number;
  onError(err: unknown, what: string): void;
}

export interface Actuator {
  /** Sends what was committed but not sent before the last stop (or expires it). */
  resume(): void;
  /** Calls `listener` after each command the broker took (for latency and confirmation metrics). */
  onSent(listener: (command: LoggedEvent<'command.light'>) => void): () => void;
  readonly stats: ActuatorStats;
}

const CONSUMER = 'actuator';

export function createActuator(deps: ActuatorDeps): Actuator {
  const { committer, events, store, registry, clock } = deps;
  const stats: ActuatorStats = { sent: 0, failed: 0, expired: 0 };
  const sentListeners = new Set<(command: LoggedEvent<'command.light'>) => void>();
  const adapters = new Map(deps.adapters.map((a) => [a.name, a]));
  let inflight = 0;
  let seen = store.position(CONSUMER) ?? events.head();
  let position = seen;
  let persisted = position;

  // The position rides along with the next transaction; after a crash, commands since the last
  // persisted position are sent again (light commands are idempotent).
  committer.beforeCommit(() => {
    if (position !== persisted) store.setPosition(CONSUMER, position, null);
  });
  committer.onCommitted((batch) => {
    persisted = position;
    for (const e of batch) if (e.type === 'command.light') send(e as LoggedEvent<'command.light'>);
    if (batch.length > 0) seen = Math.max(seen, batch.at(-1)!.seq);
    settle();
  });

  function settle(): void {
    if (inflight === 0) position = seen;
  }

  function record(type: 'command.failed' | 'command.expired', command: LoggedEvent<'command.light'>, data: EventData<typeof type>): void {
    committer.submit({
      write() {
        committer.append({
          id: derivedId(Date.parse(command.time), 'actuator', type, command.source, command.id),
          source: `${deps.sourceBase}/actuator`,
          type,
          time: new Date(clock.now()).toISOString(),
          subject: command.subject,
          partitionkey: command.partitionkey,
          causationid: command.id,
          correlationid: command.correlationid ?? command.id,
          data: data as never,
        });
      },
    });
  }

  function send(command: LoggedEvent<'command.light'>): void {
    const { device: name, ...cmd } = command.data;
    const device = registry.get(name);
    const adapter = device && adapters.get(device.adapter);
    const message = !device
      ? { error: `unknown device "${name}"` }
      : !adapter
        ? { error: `no adapter "${device.adapter}" is loaded for device "${name}"` }
        : adapter.encodeLightCommand(device, cmd);
    if ('error' in message) {
      stats.failed++;
      record('command.failed', command, { commandId: command.id, device: name, error: message.error });
      return;
    }
    inflight++;
    deps.publish(message, (err) => {
      inflight--;
      if (err) {
        stats.failed++;
        deps.onError(err, `publishing command ${command.id}`);
        record('command.failed', command, { commandId: command.id, device: name, error: err.message });
      } else {
        stats.sent++;
        for (const fn of sentListeners) {
          try {
            fn(command);
          } catch (listenerErr) {
            deps.onError(listenerErr, 'command sent listener');
          }
        }
      }
      settle();
    });
  }

  return {
    stats,
    onSent(listener) {
      sentListeners.add(listener);
      return () => sentListeners.delete(listener);
    },
    resume() {
      const due = events.query({ type: 'command.light', after: position });
      for (const command of due as LoggedEvent<'command.light'>[]) {
        const age = clock.now() - Date.parse(command.time);
        if (age > deps.maxCommandAgeMs) {
          stats.expired++;
          record('command.expired', command, { commandId: command.id, device: command.data.device, ageMs: age });
        } else send(command);
      }
      seen = Math.max(seen, events.head());
      settle();
    },
  };
}
