// Simulated buildings: the files we ship, validation that names every problem, occupants who walk
// through connected rooms, and the same seed giving the same day.
import { describe, expect, it } from 'vitest';
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import { SimulatedClock } from '../../gateway/clock.ts';
import { createAgenda } from '../../simulators/agenda.ts';
import { BuildingError, checkReferences, loadBuilding, parseBuilding } from '../../simulators/building/load-building.ts';
import { createFloorPlan } from '../../simulators/building/floor-plan.ts';
import { replicateBuilding } from '../../simulators/building/replicate.ts';
import { createLocalTime } from '../../simulators/building/local-time.ts';
import { createOccupant } from '../../simulators/building/occupant.ts';
import { createSimulatedBuilding } from '../../simulators/building/simulated-building.ts';
import { createRandom } from '../../simulators/random.ts';
import { createScaledClock } from '../../simulators/scaled-clock.ts';
import { createRecordingTransport } from '../../simulators/transport.ts';

const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
const shipped = (file: string) => loadBuilding(new URL(`../../simulators/buildings/${file}`, import.meta.url).pathname);
const MONDAY = Date.UTC(2026, 0, 5);

async function simulateDay(file: string, seed: number) {
  const clock = new SimulatedClock(MONDAY);
  const transport = createRecordingTransport();
  const moves: string[] = [];
  const sim = createSimulatedBuilding({
    building: await shipped(file), adapter, clock, transport, seed,
    observer: { occupancy: (room, n, at) => moves.push(`${at} ${room} ${n}`) },
  });
  sim.start();
  await clock.runUntil(MONDAY + 86_400_000);
  return { sim, messages: transport.messages.map((m) => `${m.topic} ${m.payload}`), moves };
}

describe('building files', () => {
  it('ships a home of 6 rooms and an office floor of 40, both valid', async () => {
    const home = await shipped('home.yaml');
    const office = await shipped('office-floor.ts');
    expect(createFloorPlan(home).rooms).toHaveLength(6);
    expect(createFloorPlan(office).rooms).toHaveLength(40);
    expect(Object.keys(office.occupants).length).toBeGreaterThanOrEqual(30);
  });

  it('grows to any size by copying a building, with every copy as valid as the original', async () => {
    const home = await shipped('home.yaml');
    const big = replicateBuilding(home, 3);
    expect(checkReferences(big)).toEqual([]);
    expect(createFloorPlan(big).rooms).toHaveLength(18);
    expect(Object.keys(big.occupants)).toEqual(['alice-c1', 'bob-c1', 'alice-c2', 'bob-c2', 'alice-c3', 'bob-c3']);
    expect(big.floors['ground-c2']!.rooms['hall-c2']!.connects).toContain('outside');
    expect(big.occupants['bob-c3']!.schedule.map((e) => e.go)).toContain('kitchen-c3');
  });

  it('names every problem with its path: bad values, unknown rooms, doors between rooms that do not connect', () => {
    const bad = {
      name: 'bad',
      floors: {
        one: {
          rooms: {
            hall: { connects: ['nowhere'], devices: { door: { type: 'contact', door: 'kitchen' }, lamp: { type: 'light', failureRate: 2 } } },
            kitchen: { devices: { gadget: { type: 'toaster' } } },
          },
        },
      },
      occupants: { ann: { schedule: [{ at: '25:00', go: 'attic' }] } },
    };
    let error: BuildingError | undefined;
    try {
      parseBuilding(bad);
    } catch (err) {
      error = err as BuildingError;
    }
    expect(error).toBeInstanceOf(BuildingError);
    expect(error!.details.join('\n')).toMatch(/floors\.one\.rooms\.hall\.devices\.lamp\.failureRate/);
    expect(error!.details.join('\n')).toMatch(/floors\.one\.rooms\.kitchen\.devices\.gadget\.type/);
    expect(error!.details.join('\n')).toMatch(/occupants\.ann\.schedule\.0\.at: not a time of day/);

    const unknown = { ...bad, floors: { one: { rooms: { hall: { connects: ['nowhere'], devices: { door: { type: 'contact', door: 'kitchen' } } }, kitchen: {} } } }, occupants: { ann: { schedule: [{ at: '07:00', go: 'attic' }] } } };
    expect(() => parseBuilding(unknown)).toThrow(BuildingError);
    try {
      parseBuilding(unknown);
    } catch (err) {
      expect((err as BuildingError).details).toEqual([
        'floors.one.rooms.hall.connects: no room "nowhere"',
        'floors.one.rooms.hall.devices.door.door: "hall" does not connect to "kitchen"',
        'occupants.ann.schedule.0.go: no room "attic"',
      ]);
    }
  });
});

describe('a simulated building', () => {
  it('gives the same day for the same seed, and another day for another seed', async () => {
    const a = await simulateDay('home.yaml', 42);
    const b = await simulateDay('home.yaml', 42);
    const c = await simulateDay('home.yaml', 43);
    expect(a.messages.length).toBeGreaterThan(500);
    expect(b.messages).toEqual(a.messages);
    expect(b.moves).toEqual(a.moves);
    expect(c.moves).not.toEqual(a.moves);
  });

  it('walks people room by room through connected rooms, on their schedule, and empties the office at night', async () => {
    const office = await shipped('office-floor.ts');
    const plan = createFloorPlan(office);
    const clock = new SimulatedClock(MONDAY);
    const agenda = createAgenda(clock);
    const steps: [number, string | undefined, string][] = [];
    const person = createOccupant({
      name: 'person-1',
      spec: office.occupants['person-1']!,
      random: createRandom(3),
      world: { agenda, plan, time: createLocalTime('UTC'), walked: (_w, from, room) => steps.push([clock.now(), from, room]), moved() {} },
    });
    person.start();
    await clock.runUntil(MONDAY + 86_400_000);
    expect(steps.length).toBeGreaterThan(10);
    for (const [, from, room] of steps) expect(plan.path(from!, room)).toHaveLength(2);
    // In through the door in the morning (07:30-09:30), out again in the evening (16:30-18:30).
    const hour = (t: number) => (t - MONDAY) / 3_600_000;
    expect(steps[0]![1]).toBe('outside');
    expect(hour(steps[0]![0])).toBeGreaterThanOrEqual(7.5);
    expect(hour(steps[0]![0])).toBeLessThan(9.5);
    expect(steps.at(-1)![2]).toBe('outside');
    expect(hour(steps.at(-1)![0])).toBeGreaterThanOrEqual(16.5);
    expect(plan.path('office-1', 'office-20')).toEqual(['office-1', 'corridor-1', 'corridor-2', 'corridor-3', 'corridor-4', 'corridor-5', 'corridor-6', 'office-20']);

    const { moves, sim } = await simulateDay('office-floor.ts', 1);
    for (const room of sim.rooms) expect(sim.occupantsIn(room)).toBe(0);
    expect(sim.occupants.every((o) => o.room === 'outside')).toBe(true);
    expect(moves.filter((m) => Number(m.split(' ')[0]) < MONDAY + 12 * 3_600_000).length).toBeGreaterThan(200);
  });

  it('answers the commands for its lights and no others', async () => {
    const clock = new SimulatedClock(MONDAY);
    const transport = createRecordingTransport();
    const sim = createSimulatedBuilding({ building: await shipped('home.yaml'), adapter, clock, transport });
    sim.start();
    expect(sim.commandTopics()).toContain('zigbee2mqtt/hall/ceiling/set');
    expect(sim.deliver('zigbee2mqtt/hall/ceiling/set', '{"state":"ON"}')).toBe(true);
    expect(sim.deliver('zigbee2mqtt/hall/motion/set', '{"state":"ON"}')).toBe(false);
    expect(sim.deliver('zigbee2mqtt/hall/ceiling', '{"state":"ON"}')).toBe(false);
    await clock.runUntil(MONDAY + 1_000);
    expect(transport.messages.at(-1)).toMatchObject({ topic: 'zigbee2mqtt/hall/ceiling' });
    expect(JSON.parse(transport.messages.at(-1)!.payload)).toMatchObject({ state: 'ON' });
    sim.stop();
    expect(transport.messages.at(-1)).toEqual({ topic: 'zigbee2mqtt/bridge/state', payload: '{"state":"offline"}', qos: 0, retain: true });
  });
});

describe('the simulators\' time and randomness', () => {
  it('draws the same numbers from the same seed, and independent ones from forks', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const seq = (r: ReturnType<typeof createRandom>) => Array.from({ length: 5 }, () => r.next());
    expect(seq(a)).toEqual(seq(b));
    expect(seq(createRandom(5).fork('x'))).toEqual(seq(createRandom(5).fork('x')));
    expect(seq(createRandom(5).fork('x'))).not.toEqual(seq(createRandom(5).fork('y')));
  });

  it('runs agenda entries in time order, skips cancelled ones, and holds one clock timer at a time', async () => {
    const clock = new SimulatedClock(0);
    const agenda = createAgenda(clock);
    const ran: string[] = [];
    agenda.after(300, () => ran.push('c'));
    agenda.after(100, () => ran.push('a'));
    const cancel = agenda.after(200, () => ran.push('cancelled'));
    agenda.after(100, () => ran.push('b'));
    cancel();
    let armed = 0;
    const spy = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => (armed++, spy(fn, ms));
    await clock.runUntil(1_000);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(armed).toBeLessThanOrEqual(3);
  });

  it('a scaled clock runs a day in a minute at speed 1440, in whole milliseconds', async () => {
    const base = new SimulatedClock(0);
    const fast = createScaledClock({ base, speed: 1440, start: MONDAY });
    let fired = 0;
    fast.setTimeout(() => (fired = fast.now()), 86_400_000);
    await base.runUntil(59_999);
    expect(fired).toBe(0);
    await base.runUntil(60_000);
    expect(fired).toBe(MONDAY + 86_400_000);
    await base.runUntil(60_000.4);
    expect(Number.isInteger(fast.now())).toBe(true);
  });
});
