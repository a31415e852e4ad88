// Follows each light command from the fact that caused it to the device's confirmation, for the
// end-to-end latency histograms and the confirmed-commands counter. O(1) per committed event.
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';

export interface CommandTrackerDeps {
  onCommitted(listener: (events: LoggedEvent[]) => void): () => void;
  /** Subscribes to commands the actuator has published; returns the unsubscribe. */
  onSent(listener: (command: LoggedEvent<'command.light'>) => void): () => void;
  now(): number;
  /** Fact received -> command published, in seconds (reactions within one commit only). */
  observeReaction(seconds: number): void;
  /** Command published -> device reported the commanded state, in seconds. */
  observeConfirmation(seconds: number): void;
}

export interface CommandTracker {
  readonly confirmed: number;
  stop(): void;
}

/** A command not confirmed within this time is forgotten (it stays unconfirmed in the log). */
const CONFIRM_WITHIN_MS = 60_000;
const MAX_TRACKED = 10_000;

export function createCommandTracker(deps: CommandTrackerDeps): CommandTracker {
  // Receipt time of the root fact (NaN when not timed), by command id, until the command is published.
  const received = new Map<string, number>();
  // Published before this tracker saw its commit (a synchronous publish): publish time by command id.
  const publishedEarly = new Map<string, number>();
  // Awaiting confirmation, by device.
  const pending = new Map<string, { state: string; at: number }>();
  let confirmed = 0;

  const bounded = <K, V>(m: Map<K, V>): void => {
    if (m.size >= MAX_TRACKED) m.delete(m.keys().next().value as K);
  };

  const offCommitted = deps.onCommitted((events) => {
    let batchIndex: Map<string, LoggedEvent> | undefined;
    for (const e of events) {
      if (e.type === 'command.light') {
        // Only reactions whose root fact is in the same commit are timed: a command from a timer
        // reacts to a fact from minutes ago by design.
        batchIndex ??= new Map(events.map((x) => [x.id, x]));
        const root = e.correlationid ? batchIndex.get(e.correlationid) : undefined;
        // NaN: seen, but not timed.
        const at = root && root.raw !== undefined ? Date.parse(root.time) : NaN;
        const early = publishedEarly.get(e.id);
        if (early !== undefined) {
          publishedEarly.delete(e.id);
          if (!Number.isNaN(at)) deps.observeReaction(Math.max(0, early - at) / 1000);
        } else {
          bounded(received);
          received.set(e.id, at);
        }
      } else if ((e.type === 'light.state' || e.type === 'switch.state') && e.subject !== undefined) {
        const p = pending.get(e.subject);
        if (!p) continue;
        const on = (e.data as EventData<'light.state'>).on;
        const now = deps.now();
        if (now - p.at > CONFIRM_WITHIN_MS) pending.delete(e.subject);
        else if (p.state === 'TOGGLE' || (p.state === 'ON') === on) {
          pending.delete(e.subject);
          confirmed++;
          deps.observeConfirmation(Math.max(0, now - p.at) / 1000);
        }
      }
    }
  });

  const offSent = deps.onSent((command) => {
    const now = deps.now();
    const at = received.get(command.id);
    if (at !== undefined) {
      received.delete(command.id);
      if (!Number.isNaN(at)) deps.observeReaction(Math.max(0, now - at) / 1000);
    } else {
      bounded(publishedEarly);
      publishedEarly.set(command.id, now);
    }
    bounded(pending);
    pending.set(command.data.device, { state: command.data.state, at: now });
  });

  return {
    get confirmed() {
      return confirmed;
    },
    stop() {
      offCommitted();
      offSent();
    },
  };
}
