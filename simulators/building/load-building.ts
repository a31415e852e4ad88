// Reads a building file (YAML, or TypeScript default-exporting one), validates it, and checks that
// every room, door and schedule names something that exists, reporting every problem with its path.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildingSchema, OUTSIDE, type Building } from './schema.ts';

export class BuildingError extends Error {
  readonly details: readonly string[];
  constructor(message: string, details: readonly string[]) {
    super(message);
    this.name = 'BuildingError';
    this.details = details;
  }
}

export async function loadBuilding(file: string): Promise<Building> {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = /^\.[mc]?[jt]s$/.test(extname(path))
      ? ((await import(pathToFileURL(path).href)) as { default?: unknown }).default
      : parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new BuildingError(`cannot read building file ${path}`, [(err as Error).message]);
  }
  return parseBuilding(raw, path);
}

/** Validates a building given as data. */
export function parseBuilding(raw: unknown, where = 'building'): Building {
  const parsed = buildingSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BuildingError(`invalid building in ${where}`, parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`));
  }
  const problems = checkReferences(parsed.data);
  if (problems.length > 0) throw new BuildingError(`invalid building in ${where}`, problems);
  return parsed.data;
}

/** Problems with what the rooms, doors and schedules of a validated building refer to (none: []). */
export function checkReferences(b: Building): string[] {
  const problems: string[] = [];
  const rooms = new Map<string, string>();
  for (const [floor, { rooms: inFloor }] of Object.entries(b.floors)) {
    for (const room of Object.keys(inFloor)) {
      if (room === OUTSIDE) problems.push(`floors.${floor}.rooms.${room}: "${OUTSIDE}" is the way out, not a room`);
      else if (rooms.has(room)) problems.push(`floors.${floor}.rooms.${room}: also on floor ${rooms.get(room)}; room names must be unique`);
      rooms.set(room, floor);
    }
  }
  const isPlace = (r: string) => r === OUTSIDE || rooms.has(r);
  for (const [floor, { rooms: inFloor }] of Object.entries(b.floors)) {
    for (const [room, spec] of Object.entries(inFloor)) {
      const at = `floors.${floor}.rooms.${room}`;
      for (const other of spec.connects) if (!isPlace(other)) problems.push(`${at}.connects: no room "${other}"`);
      for (const [device, d] of Object.entries(spec.devices)) {
        if (d.type !== 'contact' || d.door === undefined) continue;
        const connected = spec.connects.includes(d.door) || (rooms.has(d.door) && (b.floors[rooms.get(d.door)!]!.rooms[d.door]!.connects.includes(room)));
        if (!connected) problems.push(`${at}.devices.${device}.door: "${room}" does not connect to "${d.door}"`);
      }
    }
  }
  for (const [who, o] of Object.entries(b.occupants)) {
    if (!isPlace(o.home)) problems.push(`occupants.${who}.home: no room "${o.home}"`);
    o.schedule.forEach((e, i) => {
      if (!isPlace(e.go)) problems.push(`occupants.${who}.schedule.${i}.go: no room "${e.go}"`);
    });
    for (const r of o.wander?.rooms ?? []) if (!rooms.has(r)) problems.push(`occupants.${who}.wander.rooms: no room "${r}"`);
  }
  return problems;
}
