// A simulated building: the devices of every room speaking the adapter's wire format, the occupants
// moving between rooms, and the room itself (daylight, lamps, warmth) that the sensors measure.
import type { Clock, DeviceAdapter, DeviceInfo, DeviceSimulationCodec, LightCommand, OutboundMessage } from 'firstlight';
import { createAgenda, type Agenda, type Cancel } from '../agenda.ts';
import type { SimContactSensor } from '../devices/contact-sensor.ts';
import type { SimButton } from '../devices/button.ts';
import type { SimMotionSensor } from '../devices/motion-sensor.ts';
import type { DeviceObserver } from '../devices/radio.ts';
import type { SimDevice } from '../devices/sim-device.ts';
import { createRandom, type Random } from '../random.ts';
import type { SimTransport } from '../transport.ts';
import { createDevice, deviceKinds, type RoomHooks } from './create-device.ts';
import { createFloorPlan, type FloorPlan } from './floor-plan.ts';
import { createLocalTime, type LocalTime } from './local-time.ts';
import { createOccupant, type Occupant } from './occupant.ts';
import { OUTSIDE, type Building } from './schema.ts';

/** The ground truth of a simulated building, for scenario tests and displays. */
export interface BuildingObserver extends DeviceObserver {
  occupancy?(room: string, occupants: number, at: number): void;
  light?(device: DeviceInfo, on: boolean, at: number): void;
  commandLost?(device: DeviceInfo, command: LightCommand, at: number): void;
}

export interface SimulatedBuildingDeps {
  building: Building;
  /** The adapter whose simulation codec the devices speak (the building's `adapter`). */
  adapter: DeviceAdapter;
  clock: Clock;
  transport: SimTransport;
  /** The same seed gives the same day (default 1). */
  seed?: number | string;
  observer?: BuildingObserver;
}

export interface SimulatedBuilding {
  readonly name: string;
  readonly rooms: readonly string[];
  readonly devices: readonly DeviceInfo[];
  readonly occupants: readonly Occupant[];
  /** Publishes the bridge and its device list, announces every device and lets the occupants go. */
  start(): void;
  /** Stops every device and occupant; the bridge says it is offline. */
  stop(): void;
  /** A message from the broker: if it is a command for one of the lights, the light gets it. */
  deliver(topic: string, payload: Buffer | string): boolean;
  /** Topic filters to subscribe to for the lights' commands. */
  commandTopics(): string[];
  occupantsIn(room: string): number;
  device(name: string): SimDevice | undefined;
  readonly stats: { published: number; commands: number; lost: number };
}

interface Room {
  occupants: number;
  lux: number;
  motion: SimMotionSensor[];
  buttons: { device: SimButton; pressChance: number }[];
  windows: SimContactSensor[];
  closeWindows?: Cancel | undefined;
}

const sun = (hour: number): number => Math.max(0, Math.sin((Math.PI * (hour - 6.5)) / 13));

export function createSimulatedBuilding(deps: SimulatedBuildingDeps): SimulatedBuilding {
  const { building, adapter, observer } = deps;
  const codec = codecOf(adapter);
  const agenda: Agenda = createAgenda(deps.clock);
  const random: Random = createRandom(deps.seed ?? 1);
  const plan: FloorPlan = createFloorPlan(building);
  const time: LocalTime = createLocalTime(building.timezone);
  const stats = { published: 0, commands: 0, lost: 0 };
  const transport: SimTransport = {
    publish(m: OutboundMessage) {
      stats.published++;
      deps.transport.publish(m);
    },
  };
  const rooms = new Map<string, Room>(plan.rooms.map((r) => [r, { occupants: 0, lux: 0, motion: [], buttons: [], windows: [] }]));
  /** Door contacts by the two rooms they are between. */
  const doors = new Map<string, { device: SimContactSensor; close?: Cancel | undefined }[]>();
  const doorKey = (a: string, b: string) => [a, b].sort().join('\u0000');
  const devices = new Map<string, SimDevice>();
  const lights = new Map<string, SimDevice>();

  for (const room of plan.rooms) {
    const state = rooms.get(room)!;
    const hooks: RoomHooks = {
      lux: () => plan.spec(room).daylight * 500 * sun(time.hour(agenda.now())) + state.lux,
      climate(base) {
        const day = Math.sin((2 * Math.PI * (time.hour(agenda.now()) - 9)) / 24);
        const people = Math.min(state.occupants, 5);
        return { celsius: base.temperature + day + 0.3 * people, percent: base.humidity - 4 * day + 2 * people };
      },
      lightChanged(device, on) {
        const spec = plan.spec(room).devices[device.name.slice(room.length + 1)];
        state.lux = Math.max(0, state.lux + (on ? 1 : -1) * (spec?.type === 'light' ? spec.lux : 0));
        observer?.light?.(device, on, agenda.now());
      },
      commandLost(device, command) {
        stats.lost++;
        observer?.commandLost?.(device, command, agenda.now());
      },
    };
    for (const [name, spec] of Object.entries(plan.spec(room).devices)) {
      const info: DeviceInfo = { name: `${room}/${name}`, adapter: adapter.name, room, kinds: deviceKinds(spec), model: spec.model, vendor: spec.vendor };
      const device = createDevice(
        { info, codec, agenda, random: random.fork(`device/${info.name}`), transport, availabilityFormat: building.availability, observer },
        spec,
        hooks,
      );
      devices.set(info.name, device);
      if (spec.type === 'motion') state.motion.push(device as SimMotionSensor);
      if (spec.type === 'button') state.buttons.push({ device: device as SimButton, pressChance: spec.pressChance });
      if (spec.type === 'light') lights.set(info.name, device);
      if (spec.type === 'contact' && spec.window) state.windows.push(device as SimContactSensor);
      if (spec.type === 'contact' && spec.door) {
        const key = doorKey(room, spec.door);
        doors.set(key, [...(doors.get(key) ?? []), { device: device as SimContactSensor }]);
      }
    }
  }

  const behaviour = random.fork('building');
  function passDoor(from: string, to: string): void {
    for (const door of doors.get(doorKey(from, to)) ?? []) {
      door.close?.();
      door.device.set(true);
      door.close = agenda.after(behaviour.between(3_000, 8_000), () => door.device.set(false));
    }
  }

  function arrive(room: string, state: Room): void {
    for (const m of state.motion) m.see();
    for (const b of state.buttons) {
      if (!behaviour.chance(b.pressChance)) continue;
      const roll = behaviour.next();
      if (roll < 0.15) {
        b.device.press('hold');
        agenda.after(behaviour.between(800, 2_500), () => b.device.press('release'));
      } else b.device.press(roll < 0.4 ? 'double' : 'single');
    }
    const hour = time.hour(agenda.now());
    if (hour > 8 && hour < 20) for (const w of state.windows) if (!w.open && behaviour.chance(0.05)) w.set(true);
  }

  function setOccupants(room: string, state: Room, delta: number): void {
    state.occupants += delta;
    observer?.occupancy?.(room, state.occupants, agenda.now());
    if (state.occupants > 0) {
      state.closeWindows?.();
      state.closeWindows = undefined;
    } else if (state.windows.some((w) => w.open)) {
      // The last one out closes the window, usually.
      state.closeWindows = agenda.after(behaviour.between(30_000, 300_000), () => {
        for (const w of state.windows) w.set(false);
      });
    }
  }

  const occupants: Occupant[] = Object.entries(building.occupants).map(([name, spec]) =>
    createOccupant({
      name,
      spec,
      random: random.fork(`occupant/${name}`),
      world: {
        agenda,
        plan,
        time,
        walked(_who, from, room) {
          if (from !== undefined && from !== OUTSIDE) setOccupants(from, rooms.get(from)!, -1);
          if (from !== undefined) passDoor(from, room);
          const state = rooms.get(room);
          if (!state) return;
          setOccupants(room, state, +1);
          if (from !== undefined) arrive(room, state);
        },
        moved(_who, room) {
          for (const m of rooms.get(room)?.motion ?? []) m.see();
        },
      },
    }),
  );

  const infos = [...devices.values()].map((d) => d.info);
  return {
    name: building.name,
    rooms: plan.rooms,
    devices: infos,
    occupants,
    start() {
      transport.publish(codec.encodeBridgeState(true, building.availability));
      transport.publish(codec.encodeDeviceList(infos));
      for (const d of devices.values()) d.start();
      for (const o of occupants) o.start();
    },
    stop() {
      for (const o of occupants) o.stop();
      for (const d of devices.values()) d.stop();
      agenda.stop();
      transport.publish(codec.encodeBridgeState(false, building.availability));
    },
    deliver(topic, payload) {
      const received = codec.decodeLightCommand({ topic, payload });
      const light = received && lights.get(received.device);
      if (!received || !light?.command) return false;
      stats.commands++;
      light.command(received.command);
      return true;
    },
    commandTopics: () => [...lights.values()].flatMap((l) => codec.commandTopics(l.info)),
    occupantsIn: (room) => rooms.get(room)?.occupants ?? 0,
    device: (name) => devices.get(name),
    stats,
  };
}

function codecOf(adapter: DeviceAdapter): DeviceSimulationCodec {
  if (!adapter.simulate) throw new Error(`adapter "${adapter.name}" has no simulation codec (adapter.simulate): its devices cannot be simulated`);
  return adapter.simulate;
}
