// Zigbee2MQTT device state messages (`<base>/<friendly name>`): JSON fields <-> facts, both ways.
import type { DeviceKind, Fact } from 'firstlight';

export type DecodedState = { ok: true; facts: Fact[] } | { ok: false; problems: string[] };

// Older Zigbee2MQTT versions sent some numbers as strings ("battery": "100.00").
const numericText = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
};

/** Reads fields of one state object, collecting every wrong one so a rejection names them all. */
function fieldReader(state: Record<string, unknown>) {
  const problems: string[] = [];
  // Zigbee2MQTT publishes null for a value it does not know yet (e.g. a light's color_temp in xy
  // mode), so null counts as "not reported", like an absent field.
  const get = (field: string) => (state[field] === null ? undefined : state[field]);
  const wrong = (field: string, expected: string, value: unknown) => {
    problems.push(`${field} must be ${expected}, got ${show(value)}`);
    return undefined;
  };
  return {
    problems,
    boolean(field: string): boolean | undefined {
      const v = get(field);
      return v === undefined || typeof v === 'boolean' ? v : wrong(field, 'true or false', v);
    },
    number(field: string): number | undefined {
      const v = get(field);
      if (v === undefined) return undefined;
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'string' && numericText.test(v)) return Number(v);
      return wrong(field, 'a number', v);
    },
    string(field: string): string | undefined {
      const v = get(field);
      return v === undefined || typeof v === 'string' ? v : wrong(field, 'a string', v);
    },
    onOff(field: string): boolean | undefined {
      const v = get(field);
      if (v === undefined) return undefined;
      return v === 'ON' ? true : v === 'OFF' ? false : wrong(field, '"ON" or "OFF"', v);
    },
  };
}

/**
 * The facts in one state message. Known fields become facts; linkquality and fields we have no event
 * for are not facts. A known field with a value of the wrong type makes the whole message bad.
 */
export function decodeState(device: string, state: Record<string, unknown>, kinds: readonly DeviceKind[]): DecodedState {
  const read = fieldReader(state);
  const facts: Fact[] = [];

  // Presence (mmWave) sensors report `presence` where PIR sensors report `occupancy`.
  const occupied = read.boolean('occupancy') ?? read.boolean('presence');
  if (occupied !== undefined) facts.push({ type: 'sensor.occupancy', data: { device, occupied } });

  const contact = read.boolean('contact');
  // Zigbee2MQTT's contact is true when the magnet is near the sensor: the door is closed.
  if (contact !== undefined) facts.push({ type: 'sensor.contact', data: { device, open: !contact } });

  const celsius = read.number('temperature');
  if (celsius !== undefined) facts.push({ type: 'sensor.temperature', data: { device, celsius } });

  const humidity = read.number('humidity');
  if (humidity !== undefined) facts.push({ type: 'sensor.humidity', data: { device, percent: humidity } });

  // Zigbee2MQTT 1.x sent both `illuminance` (a raw value on some devices) and `illuminance_lux`;
  // 2.x sends only `illuminance`, in lux.
  const lux = read.number('illuminance_lux') ?? read.number('illuminance');
  if (lux !== undefined && lux < 0) read.problems.push(`illuminance must not be negative, got ${lux}`);
  else if (lux !== undefined) facts.push({ type: 'sensor.illuminance', data: { device, lux } });

  const battery = read.number('battery');
  if (battery !== undefined) facts.push({ type: 'device.battery', data: { device, percent: battery } });

  // Zigbee2MQTT follows a button press with `"action": ""` to reset the value: not a press.
  const action = read.string('action');
  if (action) facts.push({ type: 'button.action', data: { device, action } });

  const on = read.onOff('state');
  if (on !== undefined && kinds.includes('light')) {
    const brightness = read.number('brightness');
    const colorTemp = read.number('color_temp');
    facts.push({
      type: 'light.state',
      data: {
        device,
        on,
        ...(brightness !== undefined && { brightness }),
        ...(colorTemp !== undefined && { colorTemp }),
      },
    });
  } else if (on !== undefined) {
    facts.push({ type: 'switch.state', data: { device, on } });
  }

  return read.problems.length > 0 ? { ok: false, problems: read.problems } : { ok: true, facts };
}

/** The state fields that carry these facts: the inverse of decodeState. */
export function encodeState(facts: readonly Fact[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const fact of facts) {
    switch (fact.type) {
      case 'sensor.occupancy':
        out.occupancy = fact.data.occupied;
        break;
      case 'sensor.contact':
        out.contact = !fact.data.open;
        break;
      case 'sensor.temperature':
        out.temperature = fact.data.celsius;
        break;
      case 'sensor.humidity':
        out.humidity = fact.data.percent;
        break;
      case 'sensor.illuminance':
        out.illuminance = fact.data.lux;
        break;
      case 'device.battery':
        out.battery = fact.data.percent;
        break;
      case 'button.action':
        out.action = fact.data.action;
        break;
      case 'light.state':
        out.state = fact.data.on ? 'ON' : 'OFF';
        if (fact.data.brightness !== undefined) out.brightness = fact.data.brightness;
        if (fact.data.colorTemp !== undefined) out.color_temp = fact.data.colorTemp;
        break;
      case 'switch.state':
        out.state = fact.data.on ? 'ON' : 'OFF';
        break;
      default:
        // Availability has its own topic; the other facts are not something a device reports.
        throw new Error(`a Zigbee2MQTT state message cannot carry a ${fact.type} fact`);
    }
  }
  return out;
}
