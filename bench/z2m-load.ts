// The Zigbee2MQTT side of the load: rooms with a motion sensor and a light, their retained
// bridge/devices list and motion payloads (through the real adapter's simulation codec), and the
// load targets: the gateway (motion -> light /set) and plain aedes (motion -> the same topic).
import type { DeviceInfo, OutboundMessage } from 'firstlight';
import zigbee2mqtt, { createZigbee2Mqtt } from '../devices/zigbee2mqtt.ts';
import type { LoadTarget } from './load-generator.ts';

const BASE = 'zigbee2mqtt';

export interface Z2mRooms {
  devices: DeviceInfo[];
  /** The state a light reports after a `/set` (what Zigbee2MQTT publishes), or undefined for another topic. */
  lightState(setTopic: string, setPayload: Buffer): OutboundMessage | undefined;
  /** The retained `zigbee2mqtt/bridge/devices` message. */
  deviceList: OutboundMessage;
  /** Per room (index 0 is room1): the motion sensor's topic and state payload. */
  topics: string[];
  payloads: Buffer[];
}

export function z2mRooms(count: number): Z2mRooms {
  const adapter = createZigbee2Mqtt(zigbee2mqtt.options.parse({}));
  const devices: DeviceInfo[] = [];
  const topics: string[] = [];
  const payloads: Buffer[] = [];
  for (let n = 1; n <= count; n++) {
    const room = `room${n}`;
    const motion: DeviceInfo = { name: `${room}/motion`, adapter: 'zigbee2mqtt', room, kinds: ['occupancy', 'illuminance', 'battery'] };
    const light: DeviceInfo = { name: `${room}/light`, adapter: 'zigbee2mqtt', room, kinds: ['light'] };
    devices.push(motion, light);
    // {"linkquality":80,"occupancy":true,"illuminance":120,"battery":97}, as a Zigbee2MQTT PIR sensor sends it.
    const state = adapter.simulate.encodeState(
      motion,
      [
        { type: 'sensor.occupancy', data: { device: motion.name, occupied: true } },
        { type: 'sensor.illuminance', data: { device: motion.name, lux: 120 } },
        { type: 'device.battery', data: { device: motion.name, percent: 97 } },
      ],
      { linkquality: 80 },
    );
    topics.push(state.topic);
    payloads.push(Buffer.from(state.payload));
  }
  const byName = new Map(devices.map((d) => [d.name, d]));
  const lightState = (setTopic: string, setPayload: Buffer): OutboundMessage | undefined => {
    const received = adapter.simulate.decodeLightCommand({ topic: setTopic, payload: setPayload });
    const light = received && byName.get(received.device);
    if (!light || !received) return undefined;
    const on = received.command.state !== 'OFF';
    const fact = { type: 'light.state', data: { device: light.name, on, ...(received.command.brightness !== undefined && { brightness: received.command.brightness }) } } as const;
    return adapter.simulate.encodeState(light, [fact], { linkquality: 80 });
  };
  return { devices, deviceList: adapter.simulate.encodeDeviceList(devices), topics, payloads, lightState };
}

/** "zigbee2mqtt/room7/..." -> 6 (the room's index); -1 if the topic names no room. */
function roomIndex(topic: string): number {
  const start = BASE.length + 5; // after "zigbee2mqtt/room"
  const end = topic.indexOf('/', start);
  const n = Number(topic.slice(start, end));
  return Number.isInteger(n) && n >= 1 ? n - 1 : -1;
}

/**
 * The gateway: each motion message becomes the bench rule's `/set` for the room's light. With
 * `lightsReport`, the receiver also answers each `/set` with the light's new state, as Zigbee2MQTT does.
 */
export function gatewayTarget(url: string, rooms: Z2mRooms, lightsReport = false): LoadTarget {
  return {
    ...(lightsReport && { answer: (topic: string, payload: Buffer) => rooms.lightState(topic, payload) }),
    name: 'gateway',
    url,
    topics: rooms.topics,
    payloads: rooms.payloads,
    replyFilter: `${BASE}/+/light/set`,
    parseReply(topic, payload) {
      const room = roomIndex(topic);
      const body = JSON.parse(payload.toString()) as { brightness?: number };
      // The flagship rule's ON when a room is first entered carries no brightness: not a bench reply.
      if (room < 0 || body.brightness === undefined) return 'other';
      return { room, check: body.brightness };
    },
  };
}

/** Plain aedes: the receiver subscribes to the motion topics themselves. */
export function plainAedesTarget(url: string, rooms: Z2mRooms): LoadTarget {
  return {
    name: 'plain aedes',
    url,
    topics: rooms.topics,
    payloads: rooms.payloads,
    replyFilter: `${BASE}/+/motion`,
    parseReply(topic) {
      const room = roomIndex(topic);
      return room < 0 ? 'other' : { room };
    },
  };
}
