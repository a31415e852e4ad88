// The building as a graph of rooms: who is next to whom, and the way from one room to another.
import { OUTSIDE, type Building, type RoomSpec } from './schema.ts';

export interface FloorPlan {
  /** Every room, in file order. */
  readonly rooms: readonly string[];
  spec(room: string): RoomSpec;
  floorOf(room: string): string;
  /** The rooms passed through from `from` to `to`, both included; undefined if there is no way. */
  path(from: string, to: string): readonly string[] | undefined;
}

export function createFloorPlan(building: Building): FloorPlan {
  const specs = new Map<string, RoomSpec>();
  const floors = new Map<string, string>();
  const next = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (!next.has(a)) next.set(a, new Set());
    next.get(a)!.add(b);
  };
  for (const [floor, { rooms }] of Object.entries(building.floors)) {
    for (const [room, spec] of Object.entries(rooms)) {
      specs.set(room, spec);
      floors.set(room, floor);
      link(room, room);
      // Connections go both ways, whichever room names them.
      for (const other of spec.connects) {
        link(room, other);
        link(other, room);
      }
    }
  }
  const paths = new Map<string, readonly string[] | undefined>();

  function search(from: string, to: string): readonly string[] | undefined {
    const cameFrom = new Map<string, string>([[from, from]]);
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const here = queue[i]!;
      if (here === to) break;
      for (const n of next.get(here) ?? []) {
        if (cameFrom.has(n)) continue;
        // Outside is where one starts or ends, never a short cut between two doors.
        if (n === OUTSIDE && n !== to) continue;
        cameFrom.set(n, here);
        queue.push(n);
      }
    }
    if (!cameFrom.has(to)) return undefined;
    const way = [to];
    while (way[0] !== from) way.unshift(cameFrom.get(way[0]!)!);
    return way;
  }

  return {
    rooms: [...specs.keys()],
    spec(room) {
      const s = specs.get(room);
      if (!s) throw new Error(`no room "${room}"`);
      return s;
    },
    floorOf: (room) => floors.get(room) ?? OUTSIDE,
    path(from, to) {
      const key = `${from}\u0000${to}`;
      if (!paths.has(key)) paths.set(key, search(from, to));
      return paths.get(key);
    },
  };
}
