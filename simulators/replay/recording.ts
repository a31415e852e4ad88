// A recorded stretch of the log (`firstlight export`: CloudEvents JSON lines) turned back into what
// the devices published: each original MQTT message once, at its recorded time, and the devices the
// recording knew, so a bridge can announce them before the replay starts.
import type { DeviceInfo, DeviceKind, DeviceSimulationCodec, Fact, OutboundMessage } from 'firstlight';
import { z } from 'firstlight';

/** One line of an export: a CloudEvent, with the device's original message when there was one. */
const lineSchema = z.looseObject({
  type: z.string(),
  source: z.string(),
  time: z.string(),
  subject: z.string().optional(),
  partitionkey: z.string().optional(),
  causationid: z.string().optional(),
  replayed: z.boolean().optional(),
  rawtopic: z.string().optional(),
  rawpayload: z.string().optional(),
  data: z.unknown(),
});
type Line = z.infer<typeof lineSchema>;

export interface RecordedMessage {
  /** When it was published (ms since the epoch). */
  at: number;
  /** The original message, or one the codec re-encoded from the recorded facts. */
  message: OutboundMessage;
}

export interface Recording {
  /** Time of the first and last recorded event (the device list before the stretch not counted). */
  start: number;
  end: number;
  messages: RecordedMessage[];
  /** The devices the recording names, as a bridge would list them. */
  devices: DeviceInfo[];
  /** Lines that were not device messages (derived events, commands, timers), and bad lines. */
  skipped: number;
  invalid: { line: number; error: string }[];
}

const kindOfFact: Partial<Record<string, DeviceKind>> = {
  'sensor.occupancy': 'occupancy', 'sensor.contact': 'contact', 'sensor.temperature': 'temperature', 'sensor.humidity': 'humidity',
  'sensor.illuminance': 'illuminance', 'device.battery': 'battery', 'button.action': 'button', 'light.state': 'light', 'switch.state': 'switch',
};
const DEVICE_FACT = /^(sensor|device|button|light|switch)\./;

/**
 * Reads an export. `codec` re-encodes device facts recorded without their original message (e.g.
 * appended by the test kit); without a codec they are skipped.
 */
export function parseRecording(text: string, codec?: DeviceSimulationCodec, adapter = 'zigbee2mqtt'): Recording {
  const lines: Line[] = [];
  const invalid: Recording['invalid'] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const parsed = lineSchema.safeParse(JSON.parse(raw));
      if (parsed.success) lines.push(parsed.data);
      else invalid.push({ line: i + 1, error: parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') });
    } catch (err) {
      invalid.push({ line: i + 1, error: (err as Error).message });
    }
  });

  const devices = new Map<string, DeviceInfo>();
  const learn = (name: string, room: string | undefined, kind?: DeviceKind) => {
    const d = devices.get(name) ?? { name, adapter, room, kinds: [] };
    if (kind && !d.kinds.includes(kind)) d.kinds.push(kind);
    devices.set(name, d);
  };
  const messages: RecordedMessage[] = [];
  let skipped = 0;
  let last = '';
  for (const e of lines) {
    const at = Date.parse(e.time);
    if (e.type === 'device.discovered') {
      const d = e.data as { device: string; room?: string; kinds?: DeviceKind[]; model?: string; vendor?: string; address?: string };
      devices.set(d.device, { name: d.device, adapter, room: d.room, kinds: [...(d.kinds ?? [])], model: d.model, vendor: d.vendor, address: d.address });
      continue;
    }
    // A broker's replay of retained state is not something a device did at that time.
    if (e.replayed || !DEVICE_FACT.test(e.type) || e.causationid || Number.isNaN(at)) {
      skipped++;
      continue;
    }
    if (e.subject) learn(e.subject, e.partitionkey, kindOfFact[e.type]);
    if (e.rawtopic !== undefined && e.rawpayload !== undefined) {
      // The facts of one message share its raw copy: publish it once.
      const key = `${e.time}\u0000${e.rawtopic}\u0000${e.rawpayload}`;
      if (key === last) continue;
      last = key;
      const retain = e.type === 'device.availability';
      messages.push({ at, message: { topic: e.rawtopic, payload: e.rawpayload, qos: 0, retain } });
      continue;
    }
    last = '';
    const device = e.subject ? devices.get(e.subject) : undefined;
    if (!codec || !device) {
      skipped++;
      continue;
    }
    const fact = { type: e.type, data: e.data } as Fact;
    const message = e.type === 'device.availability'
      ? codec.encodeAvailability(device, (e.data as { online: boolean }).online, 'json')
      : codec.encodeState(device, [fact]);
    messages.push({ at, message });
  }
  messages.sort((a, b) => a.at - b.at);
  // The devices known before the stretch come first in an export; the stretch starts after them.
  const times = lines.filter((l) => l.type !== 'device.discovered').map((l) => Date.parse(l.time)).filter((t) => !Number.isNaN(t));
  return {
    start: times.length ? Math.min(...times) : 0,
    end: times.length ? Math.max(...times) : 0,
    messages,
    devices: [...devices.values()],
    skipped,
    invalid,
  };
}
