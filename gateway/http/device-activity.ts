// When each device was last heard from: kept in memory from committed events (one map write per
// device fact), seeded at start from the tail of the log.
import type { LoggedEvent } from '../events/event.ts';

export interface LastSeen {
  seq: number;
  time: string;
}

export interface DeviceActivity {
  lastSeen(device: string): LastSeen | undefined;
  stop(): void;
}

export interface DeviceActivityDeps {
  onCommitted(listener: (events: LoggedEvent[]) => void): () => void;
  /** The newest device message per device among the last `window` events of the log. */
  seed(window: number): Map<string, LastSeen>;
}

/** How much of the log's tail is read at start: devices silent for longer show their last indexed report. */
const SEED_WINDOW = 50_000;

export function createDeviceActivity(deps: DeviceActivityDeps): DeviceActivity {
  const seen = deps.seed(SEED_WINDOW);
  const unsubscribe = deps.onCommitted((events) => {
    for (const e of events) {
      // A message from the device itself carries its raw payload; derived events and commands do not.
      if (e.raw !== undefined && e.subject !== undefined) seen.set(e.subject, { seq: e.seq, time: e.time });
    }
  });
  return { lastSeen: (device) => seen.get(device), stop: unsubscribe };
}
