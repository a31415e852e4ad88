// The building's local time: where a day starts, which weekday it is, and the hour, in its time zone.
import type { Weekday } from './schema.ts';

const DAY = 86_400_000;
const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface LocalTime {
  /** The instant of local midnight on the day that contains `at`. */
  dayStart(at: number): number;
  /** The weekday of the local day that starts at `dayStart`. */
  weekday(dayStart: number): Weekday;
  /** Hours since local midnight (0 to 24). */
  hour(at: number): number;
  /** A label for the local day ("2026-01-05"), to seed the day's draws. */
  label(dayStart: number): string;
}

export function createLocalTime(timezone: string): LocalTime {
  // Throws a RangeError for an unknown zone, which is what a user should see.
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  /** The local wall-clock time of an instant, read as if it were UTC. */
  const wall = (at: number): number => {
    const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (at % 1000 + 1000) % 1000;
  };
  // Days seen before: looking one up is a comparison, not an Intl call (illuminance asks the hour often).
  let cached = { start: 0, end: 0 };

  function dayStart(at: number): number {
    if (at >= cached.start && at < cached.end) return cached.start;
    const local = wall(at);
    const start = at - (((local % DAY) + DAY) % DAY);
    // A day is taken as 24 hours long; the hour of a daylight-saving change is off by one hour.
    cached = { start, end: start + DAY };
    return start;
  }

  return {
    dayStart,
    weekday: (start) => WEEKDAYS[new Date(wall(start + 12 * 3_600_000)).getUTCDay()]!,
    hour: (at) => (at - dayStart(at)) / 3_600_000,
    label: (start) => new Date(wall(start + 12 * 3_600_000)).toISOString().slice(0, 10),
  };
}
