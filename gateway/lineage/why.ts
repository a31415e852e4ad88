// `why <target>`: finds what the target names (an event id, a log position, a device or a room) and
// explains it. The one entry point of lineage for the CLI and the HTTP API.
import { explainDevice, type DeviceExplanation } from './explain-device.ts';
import { explainEvent, type EventExplanation } from './explain-event.ts';
import { explainRoom, type RoomExplanation } from './explain-room.ts';
import type { DeviceIndexedType, LineageReader } from './reader.ts';

export type Explanation = EventExplanation | DeviceExplanation | RoomExplanation;

export interface WhyOptions {
  /** For an event: include everything it caused. */
  effects?: boolean | undefined;
  now: Date;
}

const deviceTypes: DeviceIndexedType[] = ['command.light', 'light.state', 'switch.state', 'device.availability', 'device.battery'];

/**
 * Explains `target`: "event:<id>", "device:<name>", "room:<name>", "#<position>", or a bare id, device
 * or room (tried in that order). Undefined when nothing in the log or the device list has that name.
 */
export function why(reader: LineageReader, target: string, options: WhyOptions): Explanation | undefined {
  const { kind, name } = parseTarget(target);
  const { log, devices } = reader;
  if (kind === 'event' || kind === 'any') {
    const e = log.byId(name) ?? (/^#?\d+$/.test(name) ? log.bySeq(Number(name.replace('#', ''))) : undefined);
    if (e) return explainEvent(reader, e, options);
    if (kind === 'event') return undefined;
  }
  if (kind === 'device' || kind === 'any') {
    const known = devices.get(name) !== undefined || deviceTypes.some((t) => log.latestOfDevice(name, t) !== undefined);
    if (known) return explainDevice(reader, name, options.now);
    if (kind === 'device') return undefined;
  }
  const isRoom = devices.all().some((d) => d.room === name) || log.hasKey(name);
  return isRoom ? explainRoom(reader, name, options.now) : undefined;
}

function parseTarget(target: string): { kind: 'event' | 'device' | 'room' | 'any'; name: string } {
  const m = /^(event|device|room):(.+)$/.exec(target);
  if (m) return { kind: m[1] as 'event' | 'device' | 'room', name: m[2]! };
  return { kind: 'any', name: target };
}
