// Times each light command from the fact that caused it to its publish, and counts the confirmations
// the command-lifecycle rule records, for the latency histograms. O(1) per committed event.
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';

export interface CommandTrackerDeps {
  onCommitted(listener: (events: LoggedEvent[]) => void): () => void;
  /** Subscribes to commands the actuator has published; returns the unsubscribe. */
  onSent(listener: (command: LoggedEvent<'command.light'>) => void): () => void;
  now(): number;
  /** Fact received -> command published, in seconds (reactions within one commit only). */
  observeReaction(seconds: number): void;
  /** Command recorded -> device reported the commanded state, in seconds (from command.confirmed). */
  observeConfirmation(seconds: number): void;
}

export interface CommandTracker {
  readonly confirmed: number;
  stop(): void;
}

const MAX_TRACKED = 10_000;

export function createCommandTracker(deps: CommandTrackerDeps): CommandTracker {
  // Receipt time of the root fact (NaN when not timed), by command id, until the command is published.
  const received = new Map<string, number>();
  // Published before this tracker saw its commit (a synchronous publish): publish time by command id.
  const publishedEarly = new Map<string, number>();
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
      } else if (e.type === 'command.confirmed') {
        // Confirmation is decided once, by the built-in command-lifecycle rule; this only counts it.
        confirmed++;
        deps.observeConfirmation((e.data as EventData<'command.confirmed'>).latencyMs / 1000);
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
