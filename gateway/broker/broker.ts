// What the composition root needs from a broker, embedded (aedes) or external (an existing broker
// reached through mqtt.js): send commands, stop taking input, close.
import type { OutboundMessage } from '../sdk/device.ts';

export interface Broker {
  readonly kind: 'embedded' | 'external';
  /** Where devices reach the gateway's MQTT side, without credentials (for logs and the CLI). */
  readonly url: string;
  /** Publishes a command; `done` once the broker has taken it (PUBACK for QoS 1), or with an error. */
  publish(message: OutboundMessage, done: (err?: Error | null) => void): void;
  /** Stops taking new input; what was taken is still committed and acknowledged. */
  stopListening(): void;
  /** Acknowledges what is committed, then disconnects. */
  close(): Promise<void>;
}
