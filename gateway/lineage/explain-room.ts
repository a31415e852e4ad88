// Why a room is as it is: its newest occupancy change with that change's causes, and why each of its
// lights is on or off.
import type { LoggedEvent } from '../events/event.ts';
import { formatTime } from './describe.ts';
import { explainDevice, type DeviceExplanation } from './explain-device.ts';
import { explainEvent, type EventExplanation } from './explain-event.ts';
import type { LineageReader } from './reader.ts';

export interface RoomExplanation {
  kind: 'room';
  room: string;
  occupancy?: { occupied: boolean; since: string; change: EventExplanation } | undefined;
  /** The room's lights and switches. */
  lights: DeviceExplanation[];
  sentence: string;
}

export function explainRoom(reader: LineageReader, room: string, now: Date): RoomExplanation {
  const { log } = reader;
  const entered = log.latestOfRoom(room, 'room.entered');
  const vacated = log.latestOfRoom(room, 'room.vacated');
  const change: LoggedEvent | undefined = entered && (!vacated || entered.seq > vacated.seq) ? entered : vacated;
  const lights = reader.devices
    .all()
    .filter((d) => d.room === room && (d.kinds.includes('light') || d.kinds.includes('switch')))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((d) => explainDevice(reader, d.name, now));
  const occupancy = change && { occupied: change.type === 'room.entered', since: change.time, change: explainEvent(reader, change, { now }) };
  const head = occupancy
    ? `${room} is ${occupancy.occupied ? 'occupied' : 'vacant'} since ${formatTime(occupancy.since, now)} because ${occupancy.change.because}.`
    : `No rule has reported ${room} entered or vacated yet.`;
  return { kind: 'room', room, occupancy, lights, sentence: [head, ...lights.map((l) => l.sentence)].join(' ') };
}
