// Commands to devices through an external broker: sent when the link is up, held while it is down,
// resent on the next connection if unacknowledged, and failed after a timeout instead of hanging.
import type { MqttClient } from 'mqtt';
import type { Cancel, Clock } from '../clock.ts';
import type { OutboundMessage } from '../sdk/device.ts';

export interface CommandPublisherDeps {
  clock: Clock;
  /** A command not acknowledged within this time fails (it is then recorded as command.failed). */
  timeoutMs: number;
  /** Commands held while the link is down, at most. */
  maxHeld?: number;
}

export interface CommandPublisher {
  publish(message: OutboundMessage, done: (err?: Error | null) => void): void;
  /** The link is up: send what is held. */
  attach(client: MqttClient): void;
  /** The link is gone: what was in flight is held again (light commands are idempotent). */
  detach(): void;
  /** Fails everything not yet acknowledged. */
  close(): void;
  readonly pending: number;
}

interface Entry {
  message: OutboundMessage;
  done(err?: Error | null): void;
  cancel: Cancel;
  sentOn?: MqttClient | undefined;
}

const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });

export function createCommandPublisher(deps: CommandPublisherDeps): CommandPublisher {
  const maxHeld = deps.maxHeld ?? 10_000;
  // Insertion order is send order: held and in-flight commands keep the order they were given in.
  const entries = new Set<Entry>();
  let client: MqttClient | undefined;

  function settle(entry: Entry, err: Error | null): void {
    if (!entries.delete(entry)) return;
    entry.cancel();
    entry.done(err);
  }

  function send(entry: Entry, on: MqttClient): void {
    entry.sentOn = on;
    const { topic, payload, qos, retain } = entry.message;
    on.publish(topic, payload, { qos, retain }, (err) => {
      // A callback from a connection that is gone: the command is held and goes out again.
      if (entry.sentOn !== on || on !== client) return;
      if (!err) return settle(entry, null);
      // Refused on a live link (e.g. an invalid topic): final. Lost with the link: held for the next one.
      if (on.connected) settle(entry, err);
      else entry.sentOn = undefined;
    });
  }

  return {
    publish(message, done) {
      const held = [...entries].filter((e) => !e.sentOn).length;
      if (!client && held >= maxHeld) {
        return done(coded('FL_ERR_BROKER_OFFLINE', `the broker is unreachable and ${maxHeld} commands are already waiting`));
      }
      const entry: Entry = { message, done, cancel: () => {} };
      entry.cancel = deps.clock.setTimeout(
        () => settle(entry, coded('FL_ERR_PUBLISH_TIMEOUT', `the broker did not take the command within ${deps.timeoutMs} ms`)),
        deps.timeoutMs,
      );
      entries.add(entry);
      if (client) send(entry, client);
    },
    attach(next) {
      client = next;
      for (const entry of entries) if (entry.sentOn !== next) send(entry, next);
    },
    detach() {
      client = undefined;
      for (const entry of entries) entry.sentOn = undefined;
    },
    close() {
      client = undefined;
      for (const entry of [...entries]) settle(entry, coded('FL_ERR_BROKER_OFFLINE', 'the gateway is stopping'));
    },
    get pending() {
      return entries.size;
    },
  };
}
