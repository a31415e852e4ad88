// The building as the dashboard shows it: devices (last seen, availability, battery, link quality,
// state) and rooms (occupancy, lights), derived from the log through its per-device and per-room
// indexes; nothing here is kept per event.
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';
import type { LineageReader } from '../lineage/reader.ts';
import type { DeviceInfo } from '../sdk/device.ts';
import type { DeviceActivity } from './device-activity.ts';

/**
 * A device unheard of for this long is "silent": Zigbee2MQTT's default availability timeout for
 * battery devices, which report at least every few hours.
 */
export const SILENT_AFTER_MS = 25 * 60 * 60 * 1000;

export interface DeviceRow extends DeviceInfo {
  lastSeen: string | null;
  silent: boolean;
  online: boolean | null;
  battery: number | null;
  linkquality: number | null;
  state: { on: boolean; brightness?: number | undefined; at: string; id: string } | null;
  lastCommand: { state: string; at: string; id: string } | null;
}

export interface RoomRow {
  room: string;
  occupied: boolean | null;
  since: string | null;
  /** Id of the room.entered / room.vacated event (for its lineage). */
  changeId: string | null;
  devices: number;
  lights: Array<{ device: string; on: boolean | null; at: string | null; commanded: string | null; pending: boolean }>;
}

export interface BuildingView {
  devices(): DeviceRow[];
  device(name: string): DeviceRow | undefined;
  rooms(): RoomRow[];
}

function newest(...events: Array<LoggedEvent | undefined>): LoggedEvent | undefined {
  return events.reduce<LoggedEvent | undefined>((a, b) => (b && (!a || b.seq > a.seq) ? b : a), undefined);
}

export function createBuildingView(deps: { reader: LineageReader; activity: DeviceActivity; now(): number }): BuildingView {
  const { log, devices } = deps.reader;

  function lightState(name: string): { state?: LoggedEvent; command?: LoggedEvent } {
    return {
      state: newest(log.latestOfDevice(name, 'light.state'), log.latestOfDevice(name, 'switch.state')),
      command: log.latestOfDevice(name, 'command.light'),
    };
  }

  function row(info: DeviceInfo): DeviceRow {
    const { name } = info;
    const availability = log.latestOfDevice(name, 'device.availability');
    const battery = log.latestOfDevice(name, 'device.battery');
    const { state, command } = lightState(name);
    const seen = deps.activity.lastSeen(name);
    const last = newest(seen ? log.bySeq(seen.seq) : undefined, availability, battery, state);
    return {
      ...info,
      lastSeen: last?.time ?? null,
      silent: !last || deps.now() - Date.parse(last.time) > SILENT_AFTER_MS,
      online: availability ? (availability.data as EventData<'device.availability'>).online : null,
      battery: battery ? (battery.data as EventData<'device.battery'>).percent : null,
      linkquality: linkQuality(last),
      state: state
        ? { on: (state.data as EventData<'light.state'>).on, brightness: (state.data as EventData<'light.state'>).brightness, at: state.time, id: state.id }
        : null,
      lastCommand: command ? { state: (command.data as EventData<'command.light'>).state, at: command.time, id: command.id } : null,
    };
  }

  return {
    devices: () =>
      devices
        .all()
        .sort((a, b) => a.name.localeCompare(b.name))
        .map(row),
    device(name) {
      const info = devices.get(name);
      return info ? row(info) : undefined;
    },
    rooms() {
      const byRoom = new Map<string, DeviceInfo[]>();
      for (const d of devices.all()) if (d.room !== undefined) byRoom.set(d.room, [...(byRoom.get(d.room) ?? []), d]);
      return [...byRoom.keys()].sort().map((room) => {
        const change = newest(log.latestOfRoom(room, 'room.entered'), log.latestOfRoom(room, 'room.vacated'));
        const lights = byRoom
          .get(room)!
          .filter((d) => d.kinds.includes('light') || d.kinds.includes('switch'))
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((d) => {
            const { state, command } = lightState(d.name);
            return {
              device: d.name,
              on: state ? (state.data as EventData<'light.state'>).on : null,
              at: state?.time ?? null,
              commanded: command ? (command.data as EventData<'command.light'>).state : null,
              // Commanded, and the device has not reported since.
              pending: command !== undefined && (!state || state.seq < command.seq),
            };
          });
        return {
          room,
          occupied: change ? change.type === 'room.entered' : null,
          since: change?.time ?? null,
          changeId: change?.id ?? null,
          devices: byRoom.get(room)!.length,
          lights,
        };
      });
    },
  };
}

/** Zigbee link quality (0-255) from the device's own message, when its adapter passes it along. */
function linkQuality(e: LoggedEvent | undefined): number | null {
  if (!e?.raw?.payload.startsWith('{')) return null;
  try {
    const lq = (JSON.parse(e.raw.payload) as { linkquality?: unknown }).linkquality;
    return typeof lq === 'number' ? lq : null;
  } catch {
    return null;
  }
}
