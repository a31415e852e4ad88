// Unit tests of the Zigbee2MQTT adapter: topics, the device list, state and availability decoding,
// commands, and the simulation codec's round trips.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import type { DecodeResult, DeviceInfo, Fact, InboundMessage } from '../../gateway/sdk/device.ts';

const fixture = readFileSync(new URL('../fixtures/z2m-bridge-devices.json', import.meta.url));

function message(topic: string, payload: string | Buffer | object): InboundMessage {
  const bytes = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { topic, payload: bytes, qos: 0, retain: false, replayed: false };
}

const nobody = { device: () => undefined };

/** An adapter that has learned the fixture's devices, the way the runtime feeds them back. */
function setup(options: unknown = {}) {
  const parsed = zigbee2mqtt.options.parse(options);
  const adapter = zigbee2mqtt.create(parsed);
  const listed = adapter.decode(message(`${parsed.baseTopic}/bridge/devices`, fixture), nobody);
  const devices = listed.kind === 'devices' ? listed.devices : [];
  const known = new Map(devices.map((d) => [d.name, d]));
  const context = { device: (name: string) => known.get(name) };
  const decode = (topic: string, payload: string | Buffer | object) => adapter.decode(message(topic, payload), context);
  const device = (name: string) => known.get(name)!;
  return { adapter, listed, devices, context, decode, device };
}

function factsOf(result: DecodeResult): Fact[] {
  if (result.kind !== 'facts') throw new Error(`expected facts, got ${JSON.stringify(result)}`);
  return result.facts;
}

describe('zigbee2mqtt options', () => {
  it('has defaults, so an empty config section is valid', () => {
    expect(zigbee2mqtt.options.parse({})).toEqual({ baseTopic: 'zigbee2mqtt', devices: {} });
  });

  it('rejects a base topic with wildcards or a trailing slash, and unknown kinds', () => {
    expect(zigbee2mqtt.options.safeParse({ baseTopic: 'z2m/#' }).success).toBe(false);
    expect(zigbee2mqtt.options.safeParse({ baseTopic: 'z2m/' }).success).toBe(false);
    expect(zigbee2mqtt.options.safeParse({ devices: { x: { kinds: ['toaster'] } } }).success).toBe(false);
  });
});

describe('zigbee2mqtt topics', () => {
  it('claims the base topic and everything under it, and nothing else', () => {
    const { adapter } = setup();
    expect(adapter.topics).toEqual(['zigbee2mqtt/#']);
    expect(adapter.claims('zigbee2mqtt')).toBe(true);
    expect(adapter.claims('zigbee2mqtt/hall/motion')).toBe(true);
    expect(adapter.claims('zigbee2mqttx/hall/motion')).toBe(false);
    expect(adapter.claims('cloudevents/x')).toBe(false);
  });

  it('follows a configured base topic', () => {
    const { adapter } = setup({ baseTopic: 'home/z2m' });
    expect(adapter.topics).toEqual(['home/z2m/#']);
    expect(adapter.claims('home/z2m/hall/motion')).toBe(true);
    expect(adapter.claims('zigbee2mqtt/hall/motion')).toBe(false);
  });
});

describe('zigbee2mqtt bridge/devices', () => {
  it('learns every device but the coordinator, with kinds from its exposes and the room from its name', () => {
    const { listed } = setup();
    expect(listed).toEqual({
      kind: 'devices',
      devices: [
        { name: 'hall/motion', adapter: 'zigbee2mqtt', room: 'hall', kinds: ['occupancy', 'illuminance', 'battery'], model: 'RTCGQ11LM', vendor: 'Aqara', address: '0x00158d00045a1b2c' },
        { name: 'hall/ceiling', adapter: 'zigbee2mqtt', room: 'hall', kinds: ['light'], model: 'LED1545G12', vendor: 'IKEA', address: '0x000d6ffffe1a2b3c' },
        { name: 'kitchen/door', adapter: 'zigbee2mqtt', room: 'kitchen', kinds: ['contact', 'battery'], model: 'MCCGQ11LM', vendor: 'Aqara', address: '0x00158d0002b3c4d5' },
        { name: 'ground/living room/lamp', adapter: 'zigbee2mqtt', room: 'ground/living room', kinds: ['switch'], model: 'E1603/E1702/E1708', vendor: 'IKEA', address: '0xccccccfffe3d4e5f' },
        { name: 'ground/living room/climate', adapter: 'zigbee2mqtt', room: 'ground/living room', kinds: ['temperature', 'humidity', 'battery'], model: 'WSDCGQ11LM', vendor: 'Aqara', address: '0x00158d0003c4d5e6' },
        { name: 'bedside_button', adapter: 'zigbee2mqtt', kinds: ['battery', 'button'], model: 'WXKG11LM', vendor: 'Aqara', address: '0x00158d0004d5e6f7' },
        { name: '0x00158d0001a2b3c4', adapter: 'zigbee2mqtt', kinds: [], address: '0x00158d0001a2b3c4' },
      ],
    });
  });

  it('puts a device whose name has no "/" in no room, and an unsupported device (definition null) has no kinds', () => {
    const { device } = setup();
    expect(device('bedside_button')).not.toHaveProperty('room');
    expect(device('0x00158d0001a2b3c4')).toEqual({ name: '0x00158d0001a2b3c4', adapter: 'zigbee2mqtt', kinds: [], address: '0x00158d0001a2b3c4' });
  });

  it('lets the config place a device, winning over its name and exposes', () => {
    const { device } = setup({
      devices: { bedside_button: { room: 'bedroom' }, 'hall/motion': { room: 'landing', kinds: ['occupancy'] } },
    });
    expect(device('bedside_button')).toMatchObject({ room: 'bedroom', kinds: ['battery', 'button'] });
    expect(device('hall/motion')).toMatchObject({ room: 'landing', kinds: ['occupancy'] });
  });

  it('reads presence and the Zigbee2MQTT 1.x illuminance_lux expose, but not device_temperature or unknown exposes', () => {
    const { adapter } = setup();
    const list = [
      {
        ieee_address: '0x54ef44100001a2b3',
        friendly_name: 'office/presence',
        type: 'Router',
        definition: {
          model: 'RTCZCGQ11LM',
          vendor: 'Aqara',
          exposes: [
            { type: 'binary', name: 'presence', property: 'presence', access: 1 },
            { type: 'numeric', name: 'illuminance_lux', property: 'illuminance_lux', access: 1 },
            { type: 'numeric', name: 'device_temperature', property: 'device_temperature', access: 1 },
            // Names that are keys of every JS object must not be mistaken for known ones.
            { type: 'numeric', name: 'constructor', property: 'constructor', access: 1 },
            { type: 'toString', features: [] },
          ],
        },
      },
    ];
    const result = adapter.decode(message('zigbee2mqtt/bridge/devices', list), nobody);
    expect(result).toMatchObject({ kind: 'devices', devices: [{ kinds: ['occupancy', 'illuminance'] }] });
  });

  it('rejects a list that is not JSON, or not an array of device entries', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/bridge/devices', '[{"ieee_address":')).toMatchObject({ kind: 'rejected', code: 'bad_json' });
    expect(decode('zigbee2mqtt/bridge/devices', { devices: [] })).toMatchObject({ kind: 'rejected', code: 'bad_shape' });
    const noName = decode('zigbee2mqtt/bridge/devices', [{ ieee_address: '0x01', type: 'Router', definition: null }]);
    expect(noName).toMatchObject({ kind: 'rejected', code: 'bad_shape' });
    expect(noName.kind === 'rejected' && noName.reason).toContain('friendly_name');
  });

  it('ignores the other bridge topics', () => {
    const { decode } = setup();
    for (const topic of ['bridge/state', 'bridge/info', 'bridge/logging', 'bridge/event', 'bridge/response/device/rename']) {
      expect(decode(`zigbee2mqtt/${topic}`, { state: 'online' })).toEqual({ kind: 'ignored', reason: 'bridge message' });
    }
  });
});

describe('zigbee2mqtt device state', () => {
  it('turns a motion sensor report into occupancy, illuminance and battery facts; linkquality and unknown fields are not facts', () => {
    const { decode } = setup();
    const result = decode('zigbee2mqtt/hall/motion', {
      battery: 100, device_temperature: 30, illuminance: 23, linkquality: 134, occupancy: true, power_outage_count: 2, voltage: 3015,
    });
    expect(result).toEqual({
      kind: 'facts',
      device: 'hall/motion',
      facts: [
        { type: 'sensor.occupancy', data: { device: 'hall/motion', occupied: true } },
        { type: 'sensor.illuminance', data: { device: 'hall/motion', lux: 23 } },
        { type: 'device.battery', data: { device: 'hall/motion', percent: 100 } },
      ],
    });
  });

  it('reads presence as occupancy', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/motion', { presence: false }))).toEqual([
      { type: 'sensor.occupancy', data: { device: 'hall/motion', occupied: false } },
    ]);
  });

  it('inverts contact: Zigbee2MQTT contact true means the door is closed', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/kitchen/door', { contact: true, linkquality: 128 }))).toEqual([
      { type: 'sensor.contact', data: { device: 'kitchen/door', open: false } },
    ]);
    expect(factsOf(decode('zigbee2mqtt/kitchen/door', { contact: false }))).toEqual([
      { type: 'sensor.contact', data: { device: 'kitchen/door', open: true } },
    ]);
  });

  it('reads temperature and humidity, and coerces numbers older Zigbee2MQTT sent as strings', () => {
    const { decode } = setup();
    const name = 'ground/living room/climate';
    const facts = factsOf(decode(`zigbee2mqtt/${name}`, { battery: '100.00', humidity: 44.72, pressure: 1013.2, temperature: '27.34', voltage: 3005 }));
    expect(facts).toEqual([
      { type: 'sensor.temperature', data: { device: name, celsius: 27.34 } },
      { type: 'sensor.humidity', data: { device: name, percent: 44.72 } },
      { type: 'device.battery', data: { device: name, percent: 100 } },
    ]);
  });

  it('prefers illuminance_lux over the raw illuminance of Zigbee2MQTT 1.x', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/motion', { illuminance: 15000, illuminance_lux: 23 }))).toEqual([
      { type: 'sensor.illuminance', data: { device: 'hall/motion', lux: 23 } },
    ]);
  });

  it('reports a light state with brightness and colour temperature for a device that is a light', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/ceiling', { state: 'ON', brightness: 215, color_temp: 325, linkquality: 80 }))).toEqual([
      { type: 'light.state', data: { device: 'hall/ceiling', on: true, brightness: 215, colorTemp: 325 } },
    ]);
  });

  it('treats a null field as not reported (a light in xy colour mode has color_temp null)', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/ceiling', { state: 'OFF', brightness: 1, color_temp: null }))).toEqual([
      { type: 'light.state', data: { device: 'hall/ceiling', on: false, brightness: 1 } },
    ]);
  });

  it('reports a switch state for a device with a state that is not a light, even one with a "/" in every part of its name', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/ground/living room/lamp', { state: 'ON', power_on_behavior: 'previous' })).toEqual({
      kind: 'facts',
      device: 'ground/living room/lamp',
      facts: [{ type: 'switch.state', data: { device: 'ground/living room/lamp', on: true } }],
    });
    expect(factsOf(decode('zigbee2mqtt/0x00158d0001a2b3c4', { state: 'OFF' }))).toEqual([
      { type: 'switch.state', data: { device: '0x00158d0001a2b3c4', on: false } },
    ]);
  });

  it('turns a button press into an action, and skips the empty action Zigbee2MQTT sends after it', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/bedside_button', { action: 'single', battery: 91, linkquality: 60 }))).toEqual([
      { type: 'device.battery', data: { device: 'bedside_button', percent: 91 } },
      { type: 'button.action', data: { device: 'bedside_button', action: 'single' } },
    ]);
    expect(decode('zigbee2mqtt/bedside_button', { action: '' })).toEqual({ kind: 'facts', device: 'bedside_button', facts: [] });
  });

  it('gives zero facts for a valid object with nothing it knows', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/hall/motion', { linkquality: 99, voltage: 3000 })).toEqual({ kind: 'facts', device: 'hall/motion', facts: [] });
  });

  it('rejects a known field with a value of the wrong type, naming every such field', () => {
    const { decode } = setup();
    const result = decode('zigbee2mqtt/hall/motion', { occupancy: 'yes', temperature: 'hot', illuminance: 12 });
    expect(result).toMatchObject({ kind: 'rejected', code: 'bad_value' });
    const reason = result.kind === 'rejected' ? result.reason : '';
    expect(reason).toContain('hall/motion');
    expect(reason).toContain('occupancy must be true or false, got "yes"');
    expect(reason).toContain('temperature must be a number, got "hot"');
    expect(decode('zigbee2mqtt/bedside_button', { action: 5 })).toMatchObject({ code: 'bad_value', reason: expect.stringContaining('action') });
    expect(decode('zigbee2mqtt/hall/ceiling', { state: 'DIM' })).toMatchObject({ code: 'bad_value', reason: expect.stringContaining('state') });
    expect(decode('zigbee2mqtt/hall/motion', { illuminance: -3 })).toMatchObject({ code: 'bad_value', reason: expect.stringContaining('illuminance') });
  });

  it('rejects a payload that is not JSON as bad_json, and JSON that is not an object as bad_shape', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/hall/motion', 'occupancy=1')).toMatchObject({ kind: 'rejected', code: 'bad_json' });
    for (const payload of ['[true]', '42', '"on"', 'null']) {
      expect(decode('zigbee2mqtt/hall/motion', payload)).toMatchObject({ kind: 'rejected', code: 'bad_shape' });
    }
  });

  it('ignores an empty payload: Zigbee2MQTT clears a removed device retained state with one', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/old/sensor', Buffer.alloc(0))).toMatchObject({ kind: 'ignored' });
  });
});

describe('zigbee2mqtt unknown devices', () => {
  it('rejects a topic for a device that is neither listed nor configured, naming it', () => {
    const { decode } = setup();
    const result = decode('zigbee2mqtt/attic/motion', { occupancy: true });
    expect(result).toMatchObject({ kind: 'rejected', code: 'unknown_device' });
    const reason = result.kind === 'rejected' ? result.reason : '';
    expect(reason).toContain('"attic/motion"');
    expect(reason).toContain('zigbee2mqtt/bridge/devices');
    expect(reason).toContain('config');
  });

  it('names the device, not its suffix, for the availability topic of an unknown device', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt/attic/motion/availability', 'online')).toMatchObject({
      code: 'unknown_device',
      reason: expect.stringContaining('"attic/motion"'),
    });
  });

  it('rejects the bare base topic, which names no device', () => {
    const { decode } = setup();
    expect(decode('zigbee2mqtt', {})).toMatchObject({ kind: 'rejected', code: 'unknown_device' });
  });

  it('knows a configured device before the bridge has listed it', () => {
    const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({ devices: { 'porch/motion': { kinds: ['occupancy'] } } }));
    expect(adapter.decode(message('zigbee2mqtt/porch/motion', { occupancy: true }), nobody)).toEqual({
      kind: 'facts',
      device: 'porch/motion',
      facts: [{ type: 'sensor.occupancy', data: { device: 'porch/motion', occupied: true } }],
    });
  });
});

describe('zigbee2mqtt availability', () => {
  const availability = (online: boolean, device = 'hall/motion') => [{ type: 'device.availability', data: { device, online } }];

  it('reads the plain online/offline of Zigbee2MQTT 1.x', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/motion/availability', 'online'))).toEqual(availability(true));
    expect(factsOf(decode('zigbee2mqtt/hall/motion/availability', 'offline'))).toEqual(availability(false));
  });

  it('reads the {"state": ...} object of Zigbee2MQTT 2.x, for names with "/" too', () => {
    const { decode } = setup();
    expect(factsOf(decode('zigbee2mqtt/hall/motion/availability', { state: 'online' }))).toEqual(availability(true));
    const lamp = 'ground/living room/lamp';
    expect(decode(`zigbee2mqtt/${lamp}/availability`, { state: 'offline' })).toEqual({ kind: 'facts', device: lamp, facts: availability(false, lamp) });
  });

  it('rejects anything else as bad_value', () => {
    const { decode } = setup();
    for (const payload of ['ONLINE', 'true', '{"state":"gone"}', '{"online":true}', '["online"]']) {
      expect(decode('zigbee2mqtt/hall/motion/availability', payload)).toMatchObject({ kind: 'rejected', code: 'bad_value' });
    }
  });
});

describe('zigbee2mqtt command topics', () => {
  it('ignores commands and reads sent by another controller: they are not facts', () => {
    const { decode } = setup();
    for (const suffix of ['set', 'set/state', 'get', 'get/brightness']) {
      expect(decode(`zigbee2mqtt/hall/ceiling/${suffix}`, { state: 'ON' })).toEqual({ kind: 'ignored', reason: 'command topic' });
    }
  });
});

describe('zigbee2mqtt light commands', () => {
  it('encodes a light command as JSON on the device set topic, QoS 1, not retained', () => {
    const { adapter, device } = setup();
    expect(adapter.encodeLightCommand(device('hall/ceiling'), { state: 'ON', brightness: 200, transition: 2 })).toEqual({
      topic: 'zigbee2mqtt/hall/ceiling/set',
      payload: '{"state":"ON","brightness":200,"transition":2}',
      qos: 1,
      retain: false,
    });
    expect(adapter.encodeLightCommand(device('hall/ceiling'), { state: 'TOGGLE' })).toMatchObject({ payload: '{"state":"TOGGLE"}' });
  });

  it('sends only the state to a switch, which has no brightness', () => {
    const { adapter, device } = setup({ baseTopic: 'home/z2m' });
    expect(adapter.encodeLightCommand(device('ground/living room/lamp'), { state: 'OFF', brightness: 10 })).toEqual({
      topic: 'home/z2m/ground/living room/lamp/set',
      payload: '{"state":"OFF"}',
      qos: 1,
      retain: false,
    });
  });

  it('refuses a device that is neither a light nor a switch', () => {
    const { adapter, device } = setup();
    expect(adapter.encodeLightCommand(device('hall/motion'), { state: 'ON' })).toEqual({
      error: expect.stringContaining('"hall/motion" is neither a light nor a switch'),
    });
  });
});

describe('zigbee2mqtt configured devices', () => {
  it('lists each configured device, with its room (or the one its name gives) and kinds (or none)', () => {
    const adapter = zigbee2mqtt.create(
      zigbee2mqtt.options.parse({ devices: { 'porch/motion': {}, lamp_1: { room: 'study', kinds: ['light'] }, sensor_2: {} } }),
    );
    expect(adapter.configuredDevices()).toEqual([
      { name: 'porch/motion', adapter: 'zigbee2mqtt', room: 'porch', kinds: [] },
      { name: 'lamp_1', adapter: 'zigbee2mqtt', room: 'study', kinds: ['light'] },
      { name: 'sensor_2', adapter: 'zigbee2mqtt', kinds: [] },
    ]);
    expect(setup().adapter.configuredDevices()).toEqual([]);
  });
});

describe('zigbee2mqtt simulation codec', () => {
  it('encodes state that decodes back to the same facts, every fact type, contact inverted on the wire', () => {
    const { adapter, decode, device } = setup();
    const sim = adapter.simulate!;
    const cases: [string, Fact[]][] = [
      ['hall/motion', [
        { type: 'sensor.occupancy', data: { device: 'hall/motion', occupied: true } },
        { type: 'sensor.illuminance', data: { device: 'hall/motion', lux: 42 } },
        { type: 'device.battery', data: { device: 'hall/motion', percent: 87 } },
      ]],
      ['kitchen/door', [{ type: 'sensor.contact', data: { device: 'kitchen/door', open: true } }]],
      ['ground/living room/climate', [
        { type: 'sensor.temperature', data: { device: 'ground/living room/climate', celsius: 21.5 } },
        { type: 'sensor.humidity', data: { device: 'ground/living room/climate', percent: 48 } },
      ]],
      ['bedside_button', [{ type: 'button.action', data: { device: 'bedside_button', action: 'double' } }]],
      ['hall/ceiling', [{ type: 'light.state', data: { device: 'hall/ceiling', on: true, brightness: 120, colorTemp: 370 } }]],
      ['ground/living room/lamp', [{ type: 'switch.state', data: { device: 'ground/living room/lamp', on: false } }]],
    ];
    for (const [name, facts] of cases) {
      const out = sim.encodeState(device(name), facts);
      expect(out).toMatchObject({ topic: `zigbee2mqtt/${name}`, qos: 0, retain: false });
      expect(decode(out.topic, out.payload)).toEqual({ kind: 'facts', device: name, facts });
    }
    const door = sim.encodeState(device('kitchen/door'), [{ type: 'sensor.contact', data: { device: 'kitchen/door', open: true } }]);
    expect(JSON.parse(door.payload)).toEqual({ contact: false });
  });

  it('merges extra fields such as linkquality into the state, and the facts win over them', () => {
    const { adapter, device } = setup();
    const out = adapter.simulate!.encodeState(
      device('hall/motion'),
      [{ type: 'sensor.occupancy', data: { device: 'hall/motion', occupied: true } }],
      { linkquality: 134, voltage: 3015, occupancy: false },
    );
    expect(JSON.parse(out.payload)).toEqual({ linkquality: 134, voltage: 3015, occupancy: true });
  });

  it('refuses to put a fact a state message cannot carry into one', () => {
    const { adapter, device } = setup();
    expect(() =>
      adapter.simulate!.encodeState(device('hall/motion'), [{ type: 'device.availability', data: { device: 'hall/motion', online: true } }]),
    ).toThrow(/device\.availability/);
  });

  it('encodes retained availability in both formats, and both decode back', () => {
    const { adapter, decode, device } = setup();
    const legacy = adapter.simulate!.encodeAvailability(device('hall/motion'), true, 'legacy');
    const json = adapter.simulate!.encodeAvailability(device('hall/motion'), false, 'json');
    expect(legacy).toEqual({ topic: 'zigbee2mqtt/hall/motion/availability', payload: 'online', qos: 0, retain: true });
    expect(json).toEqual({ topic: 'zigbee2mqtt/hall/motion/availability', payload: '{"state":"offline"}', qos: 0, retain: true });
    expect(factsOf(decode(legacy.topic, legacy.payload))).toEqual([{ type: 'device.availability', data: { device: 'hall/motion', online: true } }]);
    expect(factsOf(decode(json.topic, json.payload))).toEqual([{ type: 'device.availability', data: { device: 'hall/motion', online: false } }]);
  });

  it('encodes the fixture devices as a device list that decodes back to them', () => {
    const { adapter, devices } = setup();
    const out = adapter.simulate!.encodeDeviceList(devices);
    expect(out).toMatchObject({ topic: 'zigbee2mqtt/bridge/devices', qos: 0, retain: true });
    expect(adapter.decode(message(out.topic, out.payload), nobody)).toEqual({ kind: 'devices', devices });
  });

  it('builds a realistic list for devices known only by name and kinds', () => {
    const { adapter } = setup();
    const wanted: DeviceInfo[] = [
      { name: 'office/motion', adapter: 'zigbee2mqtt', room: 'office', kinds: ['occupancy', 'illuminance', 'battery'] },
      { name: 'office/light', adapter: 'zigbee2mqtt', room: 'office', kinds: ['light'] },
      { name: 'mystery', adapter: 'zigbee2mqtt', kinds: [] },
    ];
    const out = adapter.simulate!.encodeDeviceList(wanted);
    const list = JSON.parse(out.payload) as Record<string, any>[];
    expect(list.map((e) => [e.friendly_name, e.type])).toEqual([
      ['Coordinator', 'Coordinator'], ['office/motion', 'EndDevice'], ['office/light', 'Router'], ['mystery', 'EndDevice'],
    ]);
    for (const entry of list) expect(entry.ieee_address).toMatch(/^0x[0-9a-f]{16}$/);
    expect(list[1]!.definition).toMatchObject({ model: 'RTCGQ11LM', vendor: 'Aqara' });
    expect(list[2]!.definition.exposes[0]).toMatchObject({ type: 'light', features: [{ name: 'state' }, { name: 'brightness' }, { name: 'color_temp' }] });
    expect(list[3]!.definition).toBeNull();
    const back = adapter.decode(message(out.topic, out.payload), nobody);
    expect(back.kind === 'devices' && back.devices.map(({ name, room, kinds }) => ({ name, room, kinds }))).toEqual(
      wanted.map(({ name, room, kinds }) => ({ name, room, kinds })),
    );
  });

  it('decodes the light commands it encodes, and the other forms Zigbee2MQTT accepts', () => {
    const { adapter, device } = setup();
    const sim = adapter.simulate!;
    const sent = adapter.encodeLightCommand(device('hall/ceiling'), { state: 'ON', brightness: 80, transition: 1.5 });
    if ('error' in sent) throw new Error(sent.error);
    expect(sim.decodeLightCommand(sent)).toEqual({ device: 'hall/ceiling', command: { state: 'ON', brightness: 80, transition: 1.5 } });
    const lamp = 'ground/living room/lamp';
    expect(sim.decodeLightCommand({ topic: `zigbee2mqtt/${lamp}/set/state`, payload: Buffer.from('OFF') })).toEqual({ device: lamp, command: { state: 'OFF' } });
    expect(sim.decodeLightCommand({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"toggle"}' })).toEqual({ device: 'hall/ceiling', command: { state: 'TOGGLE' } });
    expect(sim.decodeLightCommand({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"brightness":30}' })).toEqual({ device: 'hall/ceiling', command: { state: 'ON', brightness: 30 } });
  });

  it('finds no light command in state, bridge, or other topics, or in a body without one', () => {
    const sim = setup().adapter.simulate!;
    const none = [
      { topic: 'zigbee2mqtt/hall/ceiling', payload: '{"state":"ON"}' },
      { topic: 'zigbee2mqtt/bridge/request/permit_join', payload: '{"value":true}' },
      { topic: 'other/hall/ceiling/set', payload: '{"state":"ON"}' },
      { topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"color":{"x":0.1,"y":0.2}}' },
      { topic: 'zigbee2mqtt/hall/ceiling/set', payload: 'not json' },
    ];
    for (const m of none) expect(sim.decodeLightCommand(m)).toBeUndefined();
  });
});
