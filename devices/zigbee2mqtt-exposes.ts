// Zigbee2MQTT's retained device list (`<base>/bridge/devices`): what a device can do, read from its
// `definition.exposes`, and the inverse, a realistic list entry built from what a device can do.
import { createHash } from 'node:crypto';
import { z, type DeviceInfo, type DeviceKind } from 'firstlight';

/** Every device kind, in the order kinds are listed (so a device's kinds compare equal after a round trip). */
const kindRank = {
  occupancy: 0,
  contact: 1,
  temperature: 2,
  humidity: 3,
  illuminance: 4,
  battery: 5,
  button: 6,
  light: 7,
  switch: 8,
} satisfies Record<DeviceKind, number>;

export const deviceKinds = Object.keys(kindRank) as [DeviceKind, ...DeviceKind[]];

// Only what we read is checked; every other field of an entry (endpoints, scenes, ...) may be anything.
const exposeSchema = z.looseObject({ type: z.string(), name: z.string().optional() });
const entrySchema = z.looseObject({
  ieee_address: z.string(),
  friendly_name: z.string().min(1),
  // 'Coordinator' | 'Router' | 'EndDevice', and 'Unknown' / 'GreenPower' from zigbee-herdsman.
  type: z.string(),
  // null for an unsupported device; absent while a new device is still being interviewed.
  definition: z
    .looseObject({ model: z.string(), vendor: z.string(), exposes: z.array(exposeSchema) })
    .nullish(),
});
export const deviceListSchema = z.array(entrySchema);

// Maps, not object literals: an expose named "constructor" must not find Object.prototype's.
/** A generic expose's name -> the kind it shows. Names must match exactly: `device_temperature` is not `temperature`. */
const kindOfFeature = new Map<string, DeviceKind>([
  ['occupancy', 'occupancy'],
  ['presence', 'occupancy'],
  ['contact', 'contact'],
  ['temperature', 'temperature'],
  ['humidity', 'humidity'],
  ['illuminance', 'illuminance'],
  ['illuminance_lux', 'illuminance'],
  ['battery', 'battery'],
  ['action', 'button'],
]);
/** A specific expose's type (one with `features`) -> the kind it shows. */
const kindOfSpecific = new Map<string, DeviceKind>([
  ['light', 'light'],
  ['switch', 'switch'],
]);

function sortKinds(kinds: Iterable<DeviceKind>): DeviceKind[] {
  return [...new Set(kinds)].sort((a, b) => kindRank[a] - kindRank[b]);
}

export function kindsFromExposes(exposes: readonly z.infer<typeof exposeSchema>[]): DeviceKind[] {
  const kinds: DeviceKind[] = [];
  for (const expose of exposes) {
    // A specific expose's features (state, brightness, ...) describe the light or switch itself, so
    // they are not looked into.
    const kind = Array.isArray(expose.features)
      ? kindOfSpecific.get(expose.type)
      : expose.name !== undefined
        ? kindOfFeature.get(expose.name)
        : undefined;
    if (kind) kinds.push(kind);
  }
  return sortKinds(kinds);
}

/** Zigbee2MQTT users group devices by naming them "room/device": the room is everything before the last "/". */
export function roomFromName(name: string): string | undefined {
  const cut = name.lastIndexOf('/');
  return cut > 0 ? name.slice(0, cut) : undefined;
}

// ---- The inverse: a realistic list entry for a simulated device ----

type Expose = Record<string, unknown>;

/** A generic expose as Zigbee2MQTT describes one; access 1 = published as state, 7 = also set and get. */
function generic(type: string, name: string, description: string, more: Expose = {}): Expose {
  const label = name[0]!.toUpperCase() + name.slice(1).replaceAll('_', ' ');
  return { type, name, property: name, label, access: 1, description, ...more };
}

const onOffState = (what: string): Expose =>
  generic('binary', 'state', `On/off state of this ${what}`, {
    access: 7, value_on: 'ON', value_off: 'OFF', value_toggle: 'TOGGLE',
  });

const linkquality = generic('numeric', 'linkquality', 'Link quality (signal strength)', {
  unit: 'lqi', value_min: 0, value_max: 255, category: 'diagnostic',
});

const exposesOfKind: Record<DeviceKind, Expose> = {
  occupancy: generic('binary', 'occupancy', 'Indicates whether the device detected occupancy', {
    value_on: true, value_off: false,
  }),
  // value_on is false on purpose: Zigbee2MQTT reports contact = true when the contact is closed.
  contact: generic('binary', 'contact', 'Indicates if the contact is closed (= true) or open (= false)', {
    value_on: false, value_off: true,
  }),
  temperature: generic('numeric', 'temperature', 'Measured temperature value', { unit: '°C' }),
  humidity: generic('numeric', 'humidity', 'Measured relative humidity', { unit: '%' }),
  illuminance: generic('numeric', 'illuminance', 'Measured illuminance', { unit: 'lx' }),
  battery: generic('numeric', 'battery', 'Remaining battery in %', {
    unit: '%', value_min: 0, value_max: 100, category: 'diagnostic',
  }),
  button: generic('enum', 'action', 'Triggered action (e.g. a button click)', {
    values: ['single', 'double', 'hold', 'release'],
  }),
  light: {
    type: 'light',
    features: [
      onOffState('light'),
      generic('numeric', 'brightness', 'Brightness of this light', { access: 7, value_min: 0, value_max: 254 }),
      generic('numeric', 'color_temp', 'Color temperature of this light', {
        access: 7, unit: 'mired', value_min: 250, value_max: 454,
      }),
    ],
  },
  switch: { type: 'switch', features: [onOffState('switch')] },
};

/** A real model with (at least) these exposes, for simulated devices that name none. First match wins. */
const typicalModels: [DeviceKind, model: string, vendor: string][] = [
  ['light', 'LED1545G12', 'IKEA'],
  ['switch', 'E1603/E1702/E1708', 'IKEA'],
  ['occupancy', 'RTCGQ11LM', 'Aqara'],
  ['contact', 'MCCGQ11LM', 'Aqara'],
  ['button', 'WXKG11LM', 'Aqara'],
  ['temperature', 'WSDCGQ11LM', 'Aqara'],
  ['humidity', 'WSDCGQ11LM', 'Aqara'],
];

/** A stable fake IEEE address for a device that has none, so a simulated list is the same every run. */
function ieeeAddressOf(name: string): string {
  return `0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}

export function coordinatorEntry(): Record<string, unknown> {
  return {
    ieee_address: '0x00124b0000000001',
    type: 'Coordinator',
    network_address: 0,
    supported: true,
    disabled: false,
    friendly_name: 'Coordinator',
    definition: null,
    endpoints: {},
    interview_completed: true,
    interviewing: false,
  };
}

export function deviceListEntry(device: DeviceInfo): Record<string, unknown> {
  const kinds = sortKinds(device.kinds);
  const ieee = device.address ?? ieeeAddressOf(device.name);
  const typical = typicalModels.find(([kind]) => kinds.includes(kind));
  const model = device.model ?? typical?.[1];
  const vendor = device.vendor ?? typical?.[2] ?? 'firstlight';
  // A device that shows nothing we know, and has no model, looks like an unsupported device.
  const supported = kinds.length > 0 || model !== undefined;
  const mains = kinds.includes('light') || kinds.includes('switch');
  return {
    ieee_address: ieee,
    // Mains-powered Zigbee devices route; battery devices sleep as end devices.
    type: mains ? 'Router' : 'EndDevice',
    network_address: parseInt(ieee.slice(-4), 16) || 1,
    supported,
    disabled: false,
    friendly_name: device.name,
    power_source: mains ? 'Mains (single phase)' : 'Battery',
    definition: supported
      ? {
          model: model ?? 'firstlight-sim',
          vendor,
          description: `${vendor} ${model ?? 'device'}`,
          exposes: [...kinds.map((kind) => exposesOfKind[kind]), linkquality],
          options: [],
          supports_ota: false,
          source: 'native',
        }
      : null,
    endpoints: {},
    interview_completed: true,
    interviewing: false,
  };
}
