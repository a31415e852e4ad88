// What the gateway knows about devices: learned from adapters and the config, kept in the log's database.
import type { Db } from '../log/database.ts';
import type { DeviceInfo, DeviceKind } from '../sdk/device.ts';

export interface DeviceRegistry {
  get(name: string): DeviceInfo | undefined;
  inRoom(room: string, kind?: DeviceKind): DeviceInfo[];
  all(): DeviceInfo[];
  /**
   * Records what an adapter reports about a device. Returns the merged info when something changed,
   * undefined when it was already known as such. Configured placement wins over learned placement.
   */
  learn(info: DeviceInfo): DeviceInfo | undefined;
  /** Persists a device; call inside a transaction (the change commits with its event). */
  persist(info: DeviceInfo): void;
}

export interface RegistryDeps {
  db: Db;
  /** Devices declared in the config: their room and kinds override what adapters learn. */
  configured: DeviceInfo[];
}

export function createDeviceRegistry({ db, configured }: RegistryDeps): DeviceRegistry {
  const upsert = db.prepare('INSERT INTO devices (name, info) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET info = excluded.info');
  const devices = new Map<string, DeviceInfo>();
  for (const row of db.prepare('SELECT info FROM devices').pluck().all() as string[]) {
    const info = JSON.parse(row) as DeviceInfo;
    devices.set(info.name, info);
  }
  const overrides = new Map(configured.map((d) => [d.name, d]));
  for (const d of configured) devices.set(d.name, merge(devices.get(d.name), d));

  function merge(known: DeviceInfo | undefined, learned: DeviceInfo): DeviceInfo {
    const override = overrides.get(learned.name);
    const kinds = override && override.kinds.length > 0 ? override.kinds : learned.kinds.length > 0 ? learned.kinds : (known?.kinds ?? []);
    return {
      ...known,
      ...learned,
      room: override?.room ?? learned.room ?? known?.room,
      kinds: [...new Set(kinds)],
    };
  }

  return {
    get: (name) => devices.get(name),
    inRoom(room, kind) {
      const found: DeviceInfo[] = [];
      for (const d of devices.values()) if (d.room === room && (kind === undefined || d.kinds.includes(kind))) found.push(d);
      return found;
    },
    all: () => [...devices.values()],
    learn(info) {
      const known = devices.get(info.name);
      const merged = merge(known, info);
      if (known && JSON.stringify(known) === JSON.stringify(merged)) return undefined;
      devices.set(info.name, merged);
      return merged;
    },
    persist(info) {
      upsert.run(info.name, JSON.stringify(info));
    },
  };
}
