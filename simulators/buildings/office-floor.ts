// An office floor of 40 rooms along one corridor: offices, meeting rooms, a kitchen, toilets and
// service rooms, 30 people on weekdays and a cleaner in the evening. Written in TypeScript because
// it is generated; it default-exports the same shape a YAML building file has.
import { defineBuilding, type BuildingInput } from '../building/schema.ts';

type Rooms = NonNullable<BuildingInput['floors'][string]>['rooms'];
type Occupants = NonNullable<BuildingInput['occupants']>;

const corridors = ['corridor-1', 'corridor-2', 'corridor-3', 'corridor-4', 'corridor-5', 'corridor-6'];
const offices = Array.from({ length: 20 }, (_, i) => `office-${i + 1}`);
const meetings = Array.from({ length: 6 }, (_, i) => `meeting-${i + 1}`);
/** Which corridor a room opens onto: offices and meeting rooms are spread along it. */
const corridorOf = (i: number, of: number) => corridors[Math.floor((i * corridors.length) / of)]!;

const rooms: Rooms = {
  reception: {
    connects: ['outside', 'corridor-1'],
    daylight: 0.6,
    devices: {
      motion: { type: 'motion' },
      ceiling: { type: 'light' },
      entrance: { type: 'contact', door: 'outside' },
      climate: { type: 'climate', temperature: 20.5 },
    },
  },
  stairs: {
    connects: ['outside', 'corridor-6'],
    daylight: 0.3,
    devices: { motion: { type: 'motion', occupancyTimeout: '60s' }, light: { type: 'light' }, door: { type: 'contact', door: 'outside' } },
  },
};
corridors.forEach((c, i) => {
  rooms[c] = {
    connects: i > 0 ? [corridors[i - 1]!] : [],
    daylight: 0.1,
    devices: { motion: { type: 'motion', occupancyTimeout: '60s' }, 'light-a': { type: 'light' }, 'light-b': { type: 'light' } },
  };
});
offices.forEach((o, i) => {
  rooms[o] = {
    connects: [corridorOf(i, offices.length)],
    daylight: 0.7,
    devices: {
      motion: { type: 'motion' },
      light: { type: 'light', lux: 400 },
      climate: { type: 'climate', temperature: 21 + (i % 3) * 0.5, humidity: 40 },
      ...(i % 2 === 0 && { window: { type: 'contact', window: true } }),
    },
  };
});
meetings.forEach((m, i) => {
  rooms[m] = {
    connects: [corridorOf(i, meetings.length)],
    daylight: 0.5,
    devices: {
      motion: { type: 'motion' },
      'light-a': { type: 'light', lux: 300 },
      'light-b': { type: 'light', lux: 300 },
      climate: { type: 'climate', temperature: 21, humidity: 42 },
      scene: { type: 'button', pressChance: 0.3 },
    },
  };
});
const service: Rooms = {
  kitchen: { connects: ['corridor-3'], daylight: 0.5, devices: { motion: { type: 'motion' }, light: { type: 'light' }, climate: { type: 'climate', humidity: 50 } } },
  'toilets-a': { connects: ['corridor-2'], daylight: 0, devices: { motion: { type: 'motion', occupancyTimeout: '60s' }, light: { type: 'light', delay: '150ms' } } },
  'toilets-b': { connects: ['corridor-5'], daylight: 0, devices: { motion: { type: 'motion', occupancyTimeout: '60s' }, light: { type: 'light', delay: '150ms' } } },
  'copy-room': { connects: ['corridor-4'], daylight: 0, devices: { motion: { type: 'motion' }, light: { type: 'light' } } },
  'server-room': {
    connects: ['corridor-6'],
    daylight: 0,
    devices: {
      motion: { type: 'motion' },
      light: { type: 'light' },
      door: { type: 'contact', door: 'corridor-6' },
      climate: { type: 'climate', temperature: 18, humidity: 35 },
    },
  },
  storage: { connects: ['corridor-1'], daylight: 0, devices: { motion: { type: 'motion' }, light: { type: 'light' }, door: { type: 'contact', door: 'corridor-1' } } },
};
Object.assign(rooms, service);

const occupants: Occupants = {};
for (let i = 0; i < 30; i++) {
  const desk = offices[i % offices.length]!;
  // Fixed choices per person, so the file is data: the day's randomness comes from the seed.
  const morning = meetings[(i * 7) % meetings.length]!;
  const afternoon = meetings[(i * 5 + 3) % meetings.length]!;
  const toilets = corridors.indexOf(corridorOf(i % offices.length, offices.length)) < 3 ? 'toilets-a' : 'toilets-b';
  occupants[`person-${i + 1}`] = {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    schedule: [
      { at: '07:30~09:30', go: desk, activity: 'quiet' },
      { at: '10:00~11:30', go: morning, for: '30m~60m', chance: 0.4 },
      { at: '12:00~13:00', go: 'kitchen', for: '20m~45m', chance: 0.8 },
      { at: '14:00~16:00', go: afternoon, for: '30m~60m', chance: 0.4 },
      { at: '16:30~18:30', go: 'outside' },
    ],
    wander: { rooms: ['kitchen', toilets, 'copy-room'], every: '40m~2h', stay: '2m~8m' },
  };
}
// The cleaner goes through every room in the evening, a few minutes each, then leaves.
const round = Object.keys(rooms).filter((r) => r !== 'server-room');
occupants.cleaner = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  schedule: [
    ...round.map((room, i) => {
      const minutes = 19 * 60 + i * 4;
      const at = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
      return { at, go: room, activity: 'active' as const };
    }),
    { at: '21:45', go: 'outside' },
  ],
};

export default defineBuilding({
  name: 'office-floor',
  description: 'One office floor: 40 rooms along a corridor, 30 people on weekdays, a cleaner in the evening.',
  timezone: 'UTC',
  floors: { 'floor-3': { rooms } },
  occupants,
});
