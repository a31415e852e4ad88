// The Zigbee2MQTT device adapter: a pure codec between Zigbee2MQTT's MQTT topics and firstlight facts.
import {
  defineDevice,
  MAX_JSON_DEPTH,
  nestedDeeperThan,
  z,
  type DecodeContext,
  type DecodeResult,
  type DeviceAdapter,
  type DeviceInfo,
  type DeviceSimulationCodec,
  type InboundMessage,
  type LightCommand,
  type OutboundMessage,
} from 'firstlight';
import {
  coordinatorEntry,
  deviceKinds,
  deviceListEntry,
  deviceListSchema,
  kindsFromExposes,
  roomFromName,
} from './zigbee2mqtt-exposes.ts';
import { decodeState, encodeState } from './zigbee2mqtt-state.ts';

const ADAPTER = 'zigbee2mqtt';

const placementSchema = z.object({
  /** The room the device is in. Default: the part of its friendly name before the last "/", if any. */
  room: z.string().min(1).optional(),
  /** What the device can do. Default: read from its exposes in bridge/devices. */
  kinds: z.array(z.enum(deviceKinds)).optional(),
});

const optionsSchema = z.object({
  /** Zigbee2MQTT's `mqtt.base_topic`. */
  baseTopic: z
    .string()
    .min(1)
    .refine((t) => !/[#+]/.test(t) && !t.endsWith('/'), 'a topic without wildcards and without a trailing "/"')
    .default('zigbee2mqtt'),
  /** Explicit placement by friendly name; wins over what bridge/devices and the name say. */
  devices: z.record(z.string().min(1), placementSchema).default({}),
});
export type Zigbee2MqttOptions = z.output<typeof optionsSchema>;

/** What a device topic is for, found by its suffix after the friendly name. */
type Channel = 'state' | 'availability' | 'command';

// Friendly names may contain "/", so a topic is never split on "/": its known suffixes are stripped
// and what remains is looked up as a name.
const suffixes: [RegExp, Channel][] = [
  [/^(.+)\/availability$/, 'availability'],
  [/^(.+)\/(?:set|get)(?:\/[^/]+)?$/, 'command'],
];

const rejected = (code: string, reason: string): DecodeResult => ({ kind: 'rejected', code, reason });
const ignored = (reason: string): DecodeResult => ({ kind: 'ignored', reason });

function parseJson(payload: Buffer | string): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  // A nesting bomb is refused before a schema walks it recursively (and overflows the stack).
  if (nestedDeeperThan(value)) return { ok: false, error: `nested deeper than ${MAX_JSON_DEPTH} levels` };
  return { ok: true, value };
}

/** The first few zod issues on one line: a broken list of hundreds of devices must not make a huge reason. */
function summarize(error: z.ZodError): string {
  const at = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const shown = error.issues.slice(0, 3).map((i) => (i.path.length > 0 ? `${at(i.path)}: ${i.message}` : i.message));
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createZigbee2Mqtt(options: Zigbee2MqttOptions): DeviceAdapter & { simulate: DeviceSimulationCodec } {
  const base = options.baseTopic;
  const placement = new Map(Object.entries(options.devices));

  const configured: DeviceInfo[] = [...placement].map(([name, p]) => {
    const room = p.room ?? roomFromName(name);
    return { name, adapter: ADAPTER, ...(room !== undefined && { room }), kinds: p.kinds ?? [] };
  });
  const configuredByName = new Map(configured.map((d) => [d.name, d]));

  function decodeDeviceList(payload: Buffer): DecodeResult {
    const json = parseJson(payload);
    if (!json.ok) return rejected('bad_json', `${base}/bridge/devices is not JSON: ${json.error}`);
    const list = deviceListSchema.safeParse(json.value);
    if (!list.success) return rejected('bad_shape', `${base}/bridge/devices is not a device list: ${summarize(list.error)}`);
    const devices = list.data
      .filter((entry) => entry.type !== 'Coordinator')
      .map((entry): DeviceInfo => {
        const name = entry.friendly_name;
        const placed = placement.get(name);
        const room = placed?.room ?? roomFromName(name);
        return {
          name,
          adapter: ADAPTER,
          ...(room !== undefined && { room }),
          kinds: placed?.kinds ?? kindsFromExposes(entry.definition?.exposes ?? []),
          ...(entry.definition && { model: entry.definition.model, vendor: entry.definition.vendor }),
          address: entry.ieee_address,
        };
      });
    return { kind: 'devices', devices };
  }

  function resolve(rest: string, context: DecodeContext): { device: DeviceInfo; channel: Channel } | { unknown: string } {
    const known = (name: string) => context.device(name) ?? configuredByName.get(name);
    const exact = known(rest);
    if (exact) return { device: exact, channel: 'state' };
    for (const [pattern, channel] of suffixes) {
      const name = pattern.exec(rest)?.[1];
      if (name === undefined) continue;
      const device = known(name);
      return device ? { device, channel } : { unknown: name };
    }
    return { unknown: rest };
  }

  function decodeStateMessage(device: DeviceInfo, payload: Buffer): DecodeResult {
    const json = parseJson(payload);
    if (!json.ok) return rejected('bad_json', `state of "${device.name}" is not JSON: ${json.error}`);
    if (!isObject(json.value)) return rejected('bad_shape', `state of "${device.name}" must be a JSON object`);
    const decoded = decodeState(device.name, json.value, device.kinds);
    if (!decoded.ok) return rejected('bad_value', `state of "${device.name}": ${decoded.problems.join('; ')}`);
    return { kind: 'facts', device: device.name, facts: decoded.facts };
  }

  function decodeAvailability(device: DeviceInfo, payload: Buffer): DecodeResult {
    const text = payload.toString().trim();
    // Zigbee2MQTT 1.x sends plain `online`/`offline`; 2.x sends `{"state":"online"}`.
    const json = text.startsWith('{') ? parseJson(text) : undefined;
    const state = json?.ok && isObject(json.value) ? json.value.state : text;
    if (state !== 'online' && state !== 'offline') {
      const shown = text.length > 60 ? `${text.slice(0, 60)}...` : text;
      return rejected('bad_value', `availability of "${device.name}" must be online/offline or {"state":"online"|"offline"}, got ${shown}`);
    }
    return {
      kind: 'facts',
      device: device.name,
      facts: [{ type: 'device.availability', data: { device: device.name, online: state === 'online' } }],
    };
  }

  function decode(message: InboundMessage, context: DecodeContext): DecodeResult {
    const rest = message.topic.slice(base.length + 1);
    if (rest === 'bridge/devices') return decodeDeviceList(message.payload);
    // The bridge's state, logging, events and request/response traffic: not facts about a device.
    if (rest === 'bridge' || rest.startsWith('bridge/')) return ignored('bridge message');
    // Zigbee2MQTT clears a removed or renamed device's retained messages with an empty payload.
    if (message.payload.length === 0) return ignored('empty payload: a retained message was cleared');
    if (rest === '') return rejected('unknown_device', `topic "${message.topic}" names no device`);
    const route = resolve(rest, context);
    if ('unknown' in route) {
      return rejected(
        'unknown_device',
        `unknown device "${route.unknown}": it is neither in ${base}/bridge/devices nor in the config ` +
          `(add it under devices.${ADAPTER}.devices, or check the friendly name)`,
      );
    }
    switch (route.channel) {
      case 'state':
        return decodeStateMessage(route.device, message.payload);
      case 'availability':
        return decodeAvailability(route.device, message.payload);
      case 'command':
        return ignored('command topic');
      default: {
        const never: never = route.channel;
        return never;
      }
    }
  }

  function encodeLightCommand(device: DeviceInfo, command: LightCommand): OutboundMessage | { error: string } {
    const isLight = device.kinds.includes('light');
    if (!isLight && !device.kinds.includes('switch')) {
      return { error: `"${device.name}" is neither a light nor a switch (kinds: ${device.kinds.join(', ') || 'none'})` };
    }
    // A switch has no brightness; Zigbee2MQTT would log an error for each field it cannot convert.
    const body = isLight
      ? {
          state: command.state,
          ...(command.brightness !== undefined && { brightness: command.brightness }),
          ...(command.transition !== undefined && { transition: command.transition }),
        }
      : { state: command.state };
    return { topic: `${base}/${device.name}/set`, payload: JSON.stringify(body), qos: 1, retain: false };
  }

  const simulate: DeviceSimulationCodec = {
    encodeState(device, facts, extra = {}) {
      const payload = JSON.stringify({ ...extra, ...encodeState(facts) });
      return { topic: `${base}/${device.name}`, payload, qos: 0, retain: false };
    },
    encodeAvailability(device, online, format) {
      const state = online ? 'online' : 'offline';
      const payload = format === 'json' ? JSON.stringify({ state }) : state;
      return { topic: `${base}/${device.name}/availability`, payload, qos: 0, retain: true };
    },
    encodeDeviceList(devices) {
      const payload = JSON.stringify([coordinatorEntry(), ...devices.map(deviceListEntry)]);
      return { topic: `${base}/bridge/devices`, payload, qos: 0, retain: true };
    },
    encodeBridgeState(online, format) {
      const state = online ? 'online' : 'offline';
      return { topic: `${base}/bridge/state`, payload: format === 'json' ? JSON.stringify({ state }) : state, qos: 0, retain: true };
    },
    // `<name>/set` with a JSON body, and `<name>/set/<attribute>` with a bare value.
    commandTopics: (device) => [`${base}/${device.name}/set`, `${base}/${device.name}/set/+`],
    decodeLightCommand(message) {
      if (!message.topic.startsWith(`${base}/`)) return undefined;
      const rest = message.topic.slice(base.length + 1);
      if (rest.startsWith('bridge/')) return undefined;
      const set = /^(.+)\/set(\/state)?$/.exec(rest);
      if (!set) return undefined;
      // `<name>/set/state` carries the bare value; `<name>/set` a JSON object.
      let body: unknown = { state: message.payload.toString().trim() };
      if (!set[2]) {
        const json = parseJson(message.payload);
        body = json.ok ? json.value : undefined;
      }
      const command = lightCommandOf(body);
      return command && { device: set[1]!, command };
    },
  };

  return {
    name: ADAPTER,
    topics: [`${base}/#`],
    claims: (topic) => topic === base || topic.startsWith(`${base}/`),
    decode,
    encodeLightCommand,
    configuredDevices: () => configured.map((d) => ({ ...d, kinds: [...d.kinds] })),
    simulate,
  };
}

/** What a real Zigbee2MQTT light would do with a `/set` body, as a LightCommand. */
function lightCommandOf(body: unknown): LightCommand | undefined {
  if (!isObject(body)) return undefined;
  const brightness =
    typeof body.brightness === 'number' && Number.isFinite(body.brightness)
      ? Math.min(255, Math.max(0, Math.round(body.brightness)))
      : undefined;
  const transition = typeof body.transition === 'number' && body.transition >= 0 ? body.transition : undefined;
  const state = onOffOf(body.state, brightness);
  if (state === undefined) return undefined;
  return {
    state,
    ...(brightness !== undefined && { brightness }),
    ...(transition !== undefined && { transition }),
  };
}

function onOffOf(state: unknown, brightness: number | undefined): LightCommand['state'] | undefined {
  // Zigbee2MQTT accepts the state in any case.
  if (typeof state === 'string') {
    const upper = state.toUpperCase();
    return upper === 'ON' || upper === 'OFF' || upper === 'TOGGLE' ? upper : undefined;
  }
  // Without a state, a brightness turns the light on (or off, at 0).
  if (state === undefined && brightness !== undefined) return brightness > 0 ? 'ON' : 'OFF';
  return undefined;
}

export default defineDevice({ name: ADAPTER, options: optionsSchema, create: createZigbee2Mqtt });
