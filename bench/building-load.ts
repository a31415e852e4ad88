// A simulated building as the bench's load: one simulated day's Zigbee2MQTT messages, recorded up
// front (replicated to the asked-for number of devices), replayed at each phase's rate, with the replies each one expects.
import { createSteppingClock, type DeviceDefinition, type DeviceInfo, type OutboundMessage } from 'firstlight';
import { loadBuilding } from '../simulators/building/load-building.ts';
import { replicateBuilding } from '../simulators/building/replicate.ts';
import { createSimulatedBuilding } from '../simulators/building/simulated-building.ts';
import { createRecordingTransport } from '../simulators/transport.ts';
import type { LoadTarget } from './load-generator.ts';

const BASE = 'zigbee2mqtt/';
/** A weekday (Monday 5 January 2026), from midnight: the office fills, empties and is cleaned. */
const DAY = Date.UTC(2026, 0, 5);

/** One message of the replay and the replies it should get. */
export interface ReplayMessage {
  topic: string;
  payload: Buffer;
  /** The room's index: it picks the publisher client, so a room's messages keep their order. */
  room: number;
  /** A motion sensor's state with `occupancy`: the gateway's bench rule answers it with a `/set` for each light of the room. */
  occupancy: boolean;
}

export interface BuildingLoad {
  name: string;
  source: string;
  copies: number;
  devices: DeviceInfo[];
  rooms: string[];
  /** Per room index, the indexes of its lights (in `lights`). */
  roomLights: number[][];
  lights: string[];
  deviceList: OutboundMessage;
  messages: ReplayMessage[];
  /** Messages of the recorded day by kind of device, for the report. */
  mix: Record<string, number>;
  simulatedHours: number;
  adapter: ReturnType<DeviceDefinition['create']>;
}


/** Resolves `office-floor` / `home` to the shipped files, anything else as a path. */
export function buildingFile(name: string, repo: string): string {
  if (name === 'office-floor') return `${repo}simulators/buildings/office-floor.ts`;
  if (name === 'home') return `${repo}simulators/buildings/home.yaml`;
  return name;
}

export async function recordBuilding(file: string, devicesWanted: number | undefined, repo: string, seed = 1): Promise<BuildingLoad> {
  const { default: zigbee2mqtt } = (await import(new URL('../devices/zigbee2mqtt.ts', import.meta.url).href)) as { default: DeviceDefinition };
  const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
  const one = await loadBuilding(file);
  const perCopy = Object.values(one.floors).reduce((n, f) => n + Object.values(f.rooms).reduce((m, r) => m + Object.keys(r.devices).length, 0), 0);
  // The nearest whole number of copies, never above 5,000 devices in all (the largest load).
  const copies = devicesWanted ? Math.max(1, Math.min(Math.round(devicesWanted / perCopy), Math.floor(5000 / perCopy))) : 1;
  const building = replicateBuilding(one, copies);
  const transport = createRecordingTransport(true);
  const clock = createSteppingClock(DAY);
  const sim = createSimulatedBuilding({ building, adapter, clock, transport, seed });
  sim.start();
  const hours = 24;
  for (let t = DAY; t < DAY + hours * 3_600_000; t += 60_000) clock.runUntil(t + 60_000);
  sim.stop();

  const rooms = [...sim.rooms];
  const roomIndex = new Map(rooms.map((r, i) => [r, i]));
  const byTopic = new Map<string, DeviceInfo>();
  for (const d of sim.devices) byTopic.set(BASE + d.name, d);
  const lights: string[] = [];
  const roomLights: number[][] = rooms.map(() => []);
  for (const d of sim.devices) {
    if (!d.kinds.includes('light')) continue;
    roomLights[roomIndex.get(d.room!)!]!.push(lights.length);
    lights.push(d.name);
  }
  const messages: ReplayMessage[] = [];
  const mix: Record<string, number> = {};
  for (const m of transport.messages) {
    if (m.topic.startsWith(`${BASE}bridge/`)) continue;
    const devTopic = m.topic.endsWith('/availability') ? m.topic.slice(0, -'/availability'.length) : m.topic;
    const device = byTopic.get(devTopic);
    if (!device) continue;
    const payload = Buffer.from(m.payload);
    let occupancy = false;
    if (device.kinds.includes('occupancy') && devTopic === m.topic) {
      try {
        occupancy = typeof (JSON.parse(payload.toString()) as { occupancy?: unknown }).occupancy === 'boolean';
      } catch {
        // not JSON: the gateway rejects it, no reply
      }
    }
    const kind = devTopic !== m.topic ? 'availability' : occupancy ? 'motion (occupancy)' : device.kinds.includes('light') ? 'light state' : device.kinds.join('+');
    mix[kind] = (mix[kind] ?? 0) + 1;
    messages.push({ topic: m.topic, payload, room: roomIndex.get(device.room!)!, occupancy });
  }
  return {
    name: building.name,
    source: file.replace(repo, ''),
    copies,
    devices: [...sim.devices],
    rooms,
    roomLights,
    lights,
    deviceList: adapter.simulate!.encodeDeviceList([...sim.devices]),
    messages,
    mix,
    simulatedHours: hours,
    adapter,
  };
}

/** Replies to a light's `/set` with its new state, as Zigbee2MQTT does (--lights-report). */
function lightAnswer(load: BuildingLoad): LoadTarget['answer'] {
  const byName = new Map(load.devices.map((d) => [d.name, d]));
  const simulate = load.adapter.simulate!;
  return (topic, payload) => {
    const received = simulate.decodeLightCommand({ topic, payload });
    const light = received && byName.get(received.device);
    if (!light || !received) return undefined;
    const on = received.command.state !== 'OFF';
    const data = { device: light.name, on, ...(received.command.brightness !== undefined && { brightness: received.command.brightness }) };
    return simulate.encodeState(light, [{ type: 'light.state', data }], { linkquality: 80 });
  };
}

/** The gateway: each occupancy message is answered by the bench rule's `/set` for every light of its room. */
export function buildingGatewayTarget(url: string, load: BuildingLoad, lightsReport = false): LoadTarget {
  const lightIndex = new Map(load.lights.map((name, i) => [`${BASE}${name}/set`, i]));
  return {
    ...(lightsReport && { answer: lightAnswer(load) }),
    name: 'gateway',
    url,
    topics: [],
    payloads: [],
    queues: load.lights.length,
    sequence: load.messages.map((m) => ({ ...m, replies: m.occupancy ? load.roomLights[m.room]! : [] })),
    // Lights are named <room>/<light>: their commands, and nothing the devices publish.
    replyFilter: `${BASE}+/+/set`,
    parseReply(topic, payload) {
      const light = lightIndex.get(topic);
      if (light === undefined) return 'other';
      const body = JSON.parse(payload.toString()) as { brightness?: number };
      // The flagship rule's ON when a room is entered carries no brightness: not a bench reply.
      return body.brightness === undefined ? 'other' : { room: light, check: body.brightness };
    },
  };
}

/** Plain aedes: the receiver subscribes to everything the devices publish; each message answers itself. */
export function buildingAedesTarget(url: string, load: BuildingLoad): LoadTarget {
  const roomOf = new Map(load.messages.map((m) => [m.topic, m.room]));
  return {
    name: 'plain aedes',
    url,
    topics: [],
    payloads: [],
    queues: load.rooms.length,
    sequence: load.messages.map((m) => ({ ...m, replies: [m.room] })),
    replyFilter: `${BASE}#`,
    parseReply(topic) {
      const room = roomOf.get(topic);
      return room === undefined ? 'other' : { room };
    },
  };
}
