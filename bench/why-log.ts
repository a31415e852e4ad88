// Builds a large log for bench/why.ts: a building of N rooms simulated over days, written with direct
// inserts in big transactions. Each room has a motion sensor, a light, a climate sensor and a door;
// people come and go, so the log holds the chains the gateway really makes (presence -> room.entered
// -> command.light -> light.state -> command.confirmed; no presence -> timer -> room.vacated -> OFF),
// among many more sensor readings that cause nothing.
import { statSync } from 'node:fs';
import { derivedId, newEventId } from '../gateway/events/ids.ts';
import { openDatabase } from '../gateway/log/database.ts';

export interface BuiltLog {
  events: number;
  rooms: number;
  endMs: number;
  bytes: number;
  targets: { busyLight: string; oldLight: string; busyRoom: string; busySensor: string; recentCommand: string; recentFact: string };
}

interface Row {
  id: string;
  source: string;
  type: string;
  ms: number;
  subject?: string | undefined;
  key?: string | undefined;
  cause?: Row | undefined;
  rule?: string | undefined;
  data: unknown;
  raw?: string | undefined;
}

const SITE = '/sites/bench';
const VERSIONS: Record<string, string> = { 'room-presence': 'b0ce6627c179', 'lights-follow-presence': '52a74ab59883', 'command-lifecycle': '9635059d0a1e' };
const STEP_MS = 10_000;
const VACANCY_MS = 600_000;
const BATCH = 100_000;

/** A small seeded generator, so every build is the same log. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildLog(file: string, options: { events: number; rooms: number; onProgress?: (n: number) => void }): BuiltLog {
  const db = openDatabase({ file, synchronous: 'NORMAL' });
  // A bench build, not a gateway: no journal, a large cache. WAL again at the end, as in production.
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -1000000');
  // Building an index once over sorted rows is far cheaper than growing it row by row: the log's
  // secondary indexes (the ones the schema declares, partial ones included) are made at the end.
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_log' AND sql IS NOT NULL").all() as Array<{ name: string; sql: string }>;
  for (const i of indexes) db.exec(`DROP INDEX ${i.name}`);
  const insert = db.prepare(
    `INSERT INTO event_log (seq, id, source, type, time, subject, partitionkey, causationid, correlationid, ruleversion, replayed, data, extensions, raw_topic, raw_payload)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, ?, ?)`,
  );
  const rnd = random(42);
  const rooms = Array.from({ length: options.rooms }, (_, i) => `floor-${1 + Math.floor(i / 10)}/room-${String(i + 1).padStart(2, '0')}`);
  const oldRoom = rooms.at(-1)!;
  const putDevice = db.prepare('INSERT INTO devices (name, info) VALUES (?, ?)');
  db.transaction(() => {
    for (const room of rooms) {
      for (const [d, kinds] of [['motion', ['occupancy', 'illuminance', 'battery']], ['ceiling', ['light']], ['climate', ['temperature', 'humidity', 'battery']], ['door', ['contact', 'battery']]] as const) {
        putDevice.run(`${room}/${d}`, JSON.stringify({ name: `${room}/${d}`, adapter: 'zigbee2mqtt', room, kinds }));
      }
    }
  })();

  let seq = 0;
  let pending: Row[] = [];
  const last = { command: '', fact: '', commandedLight: '' };
  const flush = db.transaction((rows: Row[]) => {
    for (const r of rows) {
      const root = r.cause ? rootOf(r.cause) : undefined;
      insert.run(
        ++seq,
        r.id,
        r.source,
        r.type,
        new Date(r.ms).toISOString(),
        r.subject ?? null,
        r.key ?? null,
        r.cause?.id ?? null,
        root?.id ?? null,
        r.rule ? VERSIONS[r.rule]! : null,
        JSON.stringify(r.data),
        r.raw === undefined ? null : `zigbee2mqtt/${r.subject}`,
        r.raw ?? null,
      );
    }
  });
  const rootOf = (r: Row): Row => (r.cause ? rootOf(r.cause) : r);
  const emit = (r: Row): Row => {
    pending.push(r);
    if (pending.length >= BATCH) {
      flush(pending);
      pending = [];
      options.onProgress?.(seq);
    }
    return r;
  };
  const fact = (ms: number, device: string, room: string, type: string, data: Record<string, unknown>, raw: Record<string, unknown>): Row =>
    emit({ id: newEventId(ms), source: `${SITE}/zigbee2mqtt/${device}`, type, ms, subject: device, key: room, data: { device, ...data }, raw: JSON.stringify(raw) });
  const derived = (ms: number, rule: string, cause: Row, type: string, key: string, data: unknown, subject?: string): Row =>
    emit({ id: derivedId(cause.ms, rule, cause.source, cause.id, '0'), source: `${SITE}/rules/${rule}`, type, ms, subject, key, cause, rule, data });

  /** The light follows the room: a command, the bulb's report 200 ms later, the confirmation. */
  const switchLight = (ms: number, room: string, cause: Row, state: 'ON' | 'OFF'): void => {
    const light = `${room}/ceiling`;
    const cmd = derived(ms + 1, 'lights-follow-presence', cause, 'command.light', room, { device: light, state }, light);
    const report = fact(ms + 200, light, room, 'light.state', { on: state === 'ON', brightness: 254 }, { state, brightness: 254, linkquality: 120 });
    derived(ms + 201, 'command-lifecycle', report, 'command.confirmed', light, { commandId: cmd.id, device: light, latencyMs: 199 }, light);
    last.command = cmd.id;
    last.commandedLight = light;
  };

  interface RoomState {
    occupied: boolean;
    nextReport: number;
    vacateAt?: number | undefined;
    lastAbsent?: Row | undefined;
    nextClimate: number;
  }
  const start = Date.UTC(2026, 0, 1);
  const state = new Map<string, RoomState>(rooms.map((r, i) => [r, { occupied: false, nextReport: 0, nextClimate: start + i * 7_000 }]));
  let ms = start;
  for (; seq + pending.length < options.events; ms += STEP_MS) {
    const day = Math.floor((ms - start) / 86_400_000);
    for (const room of rooms) {
      const s = state.get(room)!;
      const motion = `${room}/motion`;
      if (ms >= s.nextClimate) {
        const t = 20 + rnd() * 4;
        fact(ms, `${room}/climate`, room, 'sensor.temperature', { celsius: Math.round(t * 10) / 10 }, { temperature: t, humidity: 45, linkquality: 90 });
        fact(ms, `${room}/climate`, room, 'sensor.humidity', { percent: 45 }, { temperature: t, humidity: 45, linkquality: 90 });
        s.nextClimate = ms + 300_000;
      }
      // The last room is a guest room: used on the first day only.
      const enterChance = room === oldRoom && day > 0 ? 0 : 0.004;
      if (!s.occupied && s.vacateAt === undefined && rnd() < enterChance) {
        const f = fact(ms, motion, room, 'sensor.occupancy', { occupied: true }, { occupancy: true, illuminance: 80, linkquality: 80 });
        s.occupied = true;
        s.nextReport = ms + 60_000 + rnd() * 60_000;
        const entered = derived(ms, 'room-presence', f, 'room.entered', room, { room });
        switchLight(ms, room, entered, 'ON');
        last.fact = f.id;
      } else if (s.occupied && ms >= s.nextReport) {
        if (rnd() < 0.15) {
          s.lastAbsent = fact(ms, motion, room, 'sensor.occupancy', { occupied: false }, { occupancy: false, linkquality: 80 });
          s.occupied = false;
          s.vacateAt = ms + VACANCY_MS;
        } else {
          fact(ms, motion, room, 'sensor.occupancy', { occupied: true }, { occupancy: true, illuminance: 80, linkquality: 80 });
          s.nextReport = ms + 60_000 + rnd() * 60_000;
        }
      } else if (s.vacateAt !== undefined && ms >= s.vacateAt) {
        const cause = s.lastAbsent!;
        const timer = emit({
          id: derivedId(ms, 'timer', 'room-presence', room, 'vacancy', cause.id, String(s.vacateAt)),
          source: `${SITE}/rules/room-presence`,
          type: 'timer.fired',
          ms,
          key: room,
          cause,
          data: { rule: 'room-presence', name: 'vacancy', key: room, dueAt: new Date(s.vacateAt).toISOString(), lateMs: ms - s.vacateAt },
        });
        const vacated = derived(ms, 'room-presence', timer, 'room.vacated', room, { room, vacantForMs: VACANCY_MS });
        switchLight(ms, room, vacated, 'OFF');
        s.vacateAt = undefined;
      }
    }
  }
  flush(pending);
  options.onProgress?.(seq);
  const setPosition = db.prepare('INSERT OR REPLACE INTO consumers (name, position, version) VALUES (?, ?, ?)');
  for (const [rule, version] of Object.entries(VERSIONS)) setPosition.run(rule, seq, version);
  setPosition.run('actuator', seq, null);
  for (const i of indexes) db.exec(i.sql);
  db.pragma('journal_mode = WAL');
  db.close();
  const busyRoom = last.commandedLight.slice(0, -'/ceiling'.length);
  return {
    events: seq,
    rooms: rooms.length,
    endMs: ms,
    bytes: statSync(file).size,
    targets: {
      busyLight: last.commandedLight,
      oldLight: `${oldRoom}/ceiling`,
      busyRoom,
      busySensor: `${busyRoom}/motion`,
      recentCommand: last.command,
      recentFact: last.fact,
    },
  };
}
