// The building file (YAML or TypeScript): floors, rooms, which rooms connect, the devices in each
// room, and the people who move about. One zod schema with defaults; the inferred types follow it.
import { parseDuration, z } from 'firstlight';

/** The way in and out of the building: a room named in `connects` that is not inside. */
export const OUTSIDE = 'outside';

const name = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, "_" and "-"');

/** "10m", or a range "2m~10m" (a random value in it each time): [min, max] in ms. */
export const rangeSchema = z.union([z.string(), z.number()]).transform((v, ctx): [number, number] => {
  const parts = typeof v === 'number' ? [v, v] : v.split('~').map((p) => parseDuration(p.trim()));
  const [min, max = min] = parts;
  if (parts.length > 2 || min === undefined || max === undefined || max < min) {
    ctx.addIssue({ code: 'custom', message: `not a duration or range: ${JSON.stringify(v)} (write e.g. "10m" or "2m~10m")` });
    return z.NEVER;
  }
  return [min, max];
});

/** "07:00" or a window "07:00~07:30" in the building's local time: [min, max] in ms after midnight. */
export const timeWindowSchema = z.string().transform((v, ctx): [number, number] => {
  const parts = v.split('~').map((p) => /^(\d{1,2}):(\d{2})$/.exec(p.trim()));
  const ms = parts.map((m) => (m && Number(m[1]) < 24 && Number(m[2]) < 60 ? (Number(m[1]) * 60 + Number(m[2])) * 60_000 : undefined));
  const [min, max = min] = ms;
  if (parts.length > 2 || min === undefined || max === undefined || max < min) {
    ctx.addIssue({ code: 'custom', message: `not a time of day or window: ${JSON.stringify(v)} (write e.g. "07:00" or "07:00~07:30")` });
    return z.NEVER;
  }
  return [min, max];
});

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

/** What every device may set: its radio and battery. */
const common = {
  /** Starting battery %, for battery devices (default: a random 40-100). */
  battery: z.number().min(0).max(100).optional(),
  /** Battery % used per day (default 0.15: a coin cell lasts about two years). */
  drainPerDay: z.number().min(0).optional(),
  /** Typical link quality, 0-255 (default: a random 60-220). */
  linkquality: z.number().int().min(0).max(255).optional(),
  /** Mean number of times a day the device drops off the network (default 0), and for how long. */
  offlinePerDay: z.number().min(0).optional(),
  offlineFor: rangeSchema.optional(),
  model: z.string().optional(),
  vendor: z.string().optional(),
};

export const deviceSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('motion'), occupancyTimeout: duration.optional(), detectionInterval: duration.optional(), ...common }),
  /** A door contact on the way to a neighbouring room (`door: outside` for the front door), or a window. */
  z.strictObject({ type: z.literal('contact'), door: name.optional(), window: z.boolean().optional(), ...common }),
  z.strictObject({ type: z.literal('climate'), temperature: z.number().default(21), humidity: z.number().min(0).max(100).default(45), ...common }),
  /** Pressed by someone arriving in the room with this probability. */
  z.strictObject({ type: z.literal('button'), pressChance: z.number().min(0).max(1).default(0.1), ...common }),
  z.strictObject({
    type: z.literal('light'),
    /** From command to state report. */
    delay: duration.default(300),
    /** Share of commands lost (0-1). */
    failureRate: z.number().min(0).max(1).default(0),
    /** How much brighter the room gets when it is on. */
    lux: z.number().min(0).default(250),
    brightness: z.number().int().min(1).max(254).optional(),
    ...common,
  }),
]);

export const roomSpecSchema = z.strictObject({
  /** Rooms one can walk to from here (both ways); `outside` marks a way in and out of the building. */
  connects: z.array(name).default([]),
  /** How much daylight comes in, 0 (none) to 1 (a conservatory). */
  daylight: z.number().min(0).max(1).default(0.5),
  /** Devices by name; a device is published as "<room>/<name>", the Zigbee2MQTT convention. */
  devices: z.record(name, deviceSpecSchema).default({}),
});

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const scheduleEntrySchema = z.strictObject({
  /** When (a random time in the window, drawn each day). */
  at: timeWindowSchema,
  /** Where to: a room, or `outside` to leave the building. */
  go: name,
  /** A visit: come back to where one was after this long. Without it the move stays until the next entry. */
  for: rangeSchema.optional(),
  /** What one does there: active moves often, quiet seldom (a desk), asleep not at all. */
  activity: z.enum(['active', 'quiet', 'asleep']).default('active'),
  /** The entry happens on a given day with this probability. */
  chance: z.number().min(0).max(1).default(1),
});

export const occupantSpecSchema = z.strictObject({
  /** Where the occupant is when no entry of the schedule applies yet (default outside). */
  home: name.default(OUTSIDE),
  /** Days on which the schedule applies (default every day); on other days the occupant stays home. */
  days: z.array(weekday).optional(),
  schedule: z.array(scheduleEntrySchema).default([]),
  /** Random short visits to these rooms while in the building and awake. */
  wander: z.strictObject({ rooms: z.array(name).min(1), every: rangeSchema, stay: rangeSchema }).optional(),
});

export const buildingSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** IANA time zone the schedules are written in (default UTC). */
  timezone: z.string().default('UTC'),
  /** The adapter whose wire format the devices speak. */
  adapter: z.string().default('zigbee2mqtt'),
  /** Zigbee2MQTT 2.x availability is JSON; 1.x used plain text ("legacy"). */
  availability: z.enum(['json', 'legacy']).default('json'),
  floors: z.record(name, z.strictObject({ rooms: z.record(name, roomSpecSchema) })),
  occupants: z.record(name, occupantSpecSchema).default({}),
});

export type Building = z.output<typeof buildingSchema>;
/** What a building file may contain (durations as text, defaults left out). */
export type BuildingInput = z.input<typeof buildingSchema>;
export type DeviceSpec = z.output<typeof deviceSpecSchema>;
export type RoomSpec = z.output<typeof roomSpecSchema>;
export type OccupantSpec = z.output<typeof occupantSpecSchema>;
export type ScheduleEntry = z.output<typeof scheduleEntrySchema>;
export type Weekday = z.output<typeof weekday>;

/** Declares a building in TypeScript; a building file default-exports the result. */
export function defineBuilding(building: BuildingInput): BuildingInput {
  return building;
}
