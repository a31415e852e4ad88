// One readable line per event ("hall/motion reported presence"), the rule that made it, and times
// as people read them: the vocabulary of `why`, shared by the CLI, the API and the dashboard.
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';

export interface RuleRef {
  name: string;
  /** Content hash of the rule's source when it produced the event. */
  version?: string | undefined;
}

/** The rule that produced an event, read from its source (`/sites/<site>/rules/<name>`). */
export function ruleOf(e: LoggedEvent): RuleRef | undefined {
  const at = e.source.lastIndexOf('/rules/');
  if (at === -1 || !/^\/sites\/[^/]+$/.test(e.source.slice(0, at))) return undefined;
  const name = decodeURIComponent(e.source.slice(at + '/rules/'.length));
  return { name, version: e.ruleversion };
}

/** A short version for prose: the first 8 characters of the rule's content hash. */
export function shortVersion(version: string | undefined): string | undefined {
  return version?.slice(0, 8);
}

const onOff = (on: boolean): string => (on ? 'ON' : 'OFF');

/** What happened, in a few words, without the time. */
export function describe(e: LoggedEvent): string {
  const d = e.data as Record<string, unknown>;
  const device = typeof d?.device === 'string' ? d.device : (e.subject ?? 'a device');
  switch (e.type) {
    case 'sensor.occupancy':
      return `${device} reported ${(d as EventData<'sensor.occupancy'>).occupied ? 'presence' : 'no presence'}`;
    case 'sensor.contact':
      return `${device} reported ${(d as EventData<'sensor.contact'>).open ? 'open' : 'closed'}`;
    case 'sensor.temperature':
      return `${device} reported ${(d as EventData<'sensor.temperature'>).celsius} °C`;
    case 'sensor.humidity':
      return `${device} reported ${(d as EventData<'sensor.humidity'>).percent} % humidity`;
    case 'sensor.illuminance':
      return `${device} reported ${(d as EventData<'sensor.illuminance'>).lux} lx`;
    case 'device.battery':
      return `${device} battery at ${(d as EventData<'device.battery'>).percent} %`;
    case 'device.availability':
      return `${device} went ${(d as EventData<'device.availability'>).online ? 'online' : 'offline'}`;
    case 'device.discovered': {
      const room = (d as EventData<'device.discovered'>).room;
      return `${device} became known${room ? ` (room ${room})` : ''}`;
    }
    case 'button.action':
      return `${device} button: ${(d as EventData<'button.action'>).action}`;
    case 'light.state':
    case 'switch.state': {
      const s = d as EventData<'light.state'>;
      return `${device} reported ${onOff(s.on)}${s.brightness !== undefined ? ` (brightness ${s.brightness})` : ''}`;
    }
    case 'room.entered':
      return `${(d as EventData<'room.entered'>).room} entered`;
    case 'room.vacated': {
      const v = d as EventData<'room.vacated'>;
      return `${v.room} vacated (no presence for ${formatDuration(v.vacantForMs)})`;
    }
    case 'command.light': {
      const c = d as EventData<'command.light'>;
      return `${device} commanded ${c.state}${c.brightness !== undefined ? ` at brightness ${c.brightness}` : ''}`;
    }
    case 'command.expired':
      return `command to ${device} expired (${formatDuration((d as EventData<'command.expired'>).ageMs)} old)`;
    case 'command.failed':
      return `command to ${device} failed: ${(d as EventData<'command.failed'>).error}`;
    case 'timer.fired': {
      const t = d as EventData<'timer.fired'>;
      return `timer ${t.name} of rule ${t.rule} fired${t.key ? ` (${t.key})` : ''}`;
    }
    case 'rule.failed': {
      const f = d as EventData<'rule.failed'>;
      return `rule ${f.rule} failed on ${f.eventType}: ${f.error}`;
    }
    case 'input.rejected': {
      const r = d as EventData<'input.rejected'>;
      return `rejected input on ${r.topic}: ${r.reason}`;
    }
    // Types other parts of the gateway record; read loosely, so an older log still reads.
    case 'command.confirmed':
      return `${device} confirmed the command${typeof d.latencyMs === 'number' ? ` after ${formatDuration(d.latencyMs)}` : ''}`;
    case 'rule.activated':
      return `rule ${String(d.rule)} activated${typeof d.version === 'string' ? ` (version ${d.version.slice(0, 8)})` : ''}`;
    case 'rule.deactivated':
      return `rule ${String(d.rule)} deactivated`;
    case 'rule.rejected':
      return `rule file ${String(d.file)} rejected: ${String(d.error)}`;
    case 'trigger.skipped':
      return `trigger ${String(d.trigger)} of rule ${String(d.rule)} skipped (late)`;
    default:
      return e.subject ? `${e.type} (${e.subject})` : e.type;
  }
}

/** "10m", "1h 5m", "850ms": how long, for prose. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  const parts: string[] = [];
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (sec || parts.length === 0) parts.push(`${sec}s`);
  return parts.join(' ');
}

/**
 * A time of day as people read it, in the local time zone: "02:13:04", "02:13:04.2" (fractions
 * without trailing zeros), with the date in front when it is not the day of `now`.
 */
export function formatTime(iso: string, now: Date): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const fraction = String(t.getMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  const clock = `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}${fraction ? `.${fraction}` : ''}`;
  const sameDay = t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate();
  return sameDay ? clock : `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${clock}`;
}
