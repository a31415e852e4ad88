// A bigger building made of copies of one: every floor, room, device and occupant copied `copies`
// times with a suffix (office-1 becomes office-1-c2), for loads of any size from a building we ship.
import { OUTSIDE, type Building, type OccupantSpec, type RoomSpec } from './schema.ts';

export function replicateBuilding(building: Building, copies: number): Building {
  if (!Number.isInteger(copies) || copies < 1) throw new Error(`copies must be a whole number of at least 1, got ${copies}`);
  if (copies === 1) return building;
  const floors: Building['floors'] = {};
  const occupants: Building['occupants'] = {};
  for (let c = 1; c <= copies; c++) {
    const rename = (room: string) => (room === OUTSIDE ? room : `${room}-c${c}`);
    for (const [floor, { rooms }] of Object.entries(building.floors)) {
      const copied: Record<string, RoomSpec> = {};
      for (const [room, spec] of Object.entries(rooms)) {
        const devices = Object.fromEntries(
          Object.entries(spec.devices).map(([name, d]) => [name, d.type === 'contact' && d.door ? { ...d, door: rename(d.door) } : d]),
        );
        copied[rename(room)] = { ...spec, connects: spec.connects.map(rename), devices };
      }
      floors[`${floor}-c${c}`] = { rooms: copied };
    }
    for (const [name, o] of Object.entries(building.occupants)) {
      const copy: OccupantSpec = {
        ...o,
        home: rename(o.home),
        schedule: o.schedule.map((e) => ({ ...e, go: rename(e.go) })),
        ...(o.wander && { wander: { ...o.wander, rooms: o.wander.rooms.map(rename) } }),
      };
      occupants[`${name}-c${c}`] = copy;
    }
  }
  return { ...building, name: `${building.name} x${copies}`, floors, occupants };
}
