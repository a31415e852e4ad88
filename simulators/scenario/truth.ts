// What really happened in a simulated building (who was where, which light was on, what the sensors
// reported), recorded as it happens, so a scenario can judge the gateway's reactions against it.
import type { DeviceInfo, Fact, LightCommand, OutboundMessage } from 'firstlight';
import type { BuildingObserver } from '../building/simulated-building.ts';

/** A value that holds from `at` until the next change. */
export interface Change<T> {
  at: number;
  value: T;
}

export interface Truth {
  /** Occupant count changes per room. */
  readonly occupancy: ReadonlyMap<string, Change<number>[]>;
  /** On/off changes per light, and the room each light is in. */
  readonly lights: ReadonlyMap<string, { room: string; changes: Change<boolean>[] }>;
  /** When a motion sensor in each room reported occupancy true. */
  readonly motion: ReadonlyMap<string, number[]>;
  readonly lost: { device: string; command: LightCommand; at: number }[];
  /** Messages published, by device. */
  readonly published: Map<string, number>;
  /** The value of a timeline at a time (before the first change: `initial`). */
  valueAt<T>(changes: readonly Change<T>[], at: number, initial: T): T;
  /** Lights that are on at `at`. */
  lightsOnAt(at: number): string[];
}

/** `now` is the simulation's clock, for the moments a device publishes. */
export function createTruth(now: () => number): Truth & { observer: BuildingObserver } {
  const occupancy = new Map<string, Change<number>[]>();
  const lights = new Map<string, { room: string; changes: Change<boolean>[] }>();
  const motion = new Map<string, number[]>();
  const lost: Truth['lost'] = [];
  const published = new Map<string, number>();

  const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
    let list = map.get(key);
    if (!list) map.set(key, (list = []));
    list.push(value);
  };

  function valueAt<T>(changes: readonly Change<T>[], at: number, initial: T): T {
    let value = initial;
    for (const c of changes) {
      if (c.at > at) break;
      value = c.value;
    }
    return value;
  }

  const observer: BuildingObserver = {
    published(device: DeviceInfo, _m: OutboundMessage, facts: readonly Fact[]) {
      published.set(device.name, (published.get(device.name) ?? 0) + 1);
      const seen = facts.some((f) => f.type === 'sensor.occupancy' && f.data.occupied);
      if (seen && device.room) push(motion, device.room, now());
    },
    occupancy(room, occupants, at) {
      push(occupancy, room, { at, value: occupants });
    },
    light(device, on, at) {
      if (!lights.has(device.name)) lights.set(device.name, { room: device.room ?? '', changes: [] });
      lights.get(device.name)!.changes.push({ at, value: on });
    },
    commandLost(device, command, at) {
      lost.push({ device: device.name, command, at });
    },
  };

  return {
    occupancy,
    lights,
    motion,
    lost,
    published,
    valueAt,
    lightsOnAt: (at) => [...lights].filter(([, l]) => valueAt(l.changes, at, false)).map(([name]) => name),
    observer,
  };
}
