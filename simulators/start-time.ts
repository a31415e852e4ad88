// Where simulated time starts: "07:00" (today, in the building's time zone), an RFC 3339 time, or now.
import { createLocalTime } from './building/local-time.ts';

/** The start instant for `text`, or an Error saying what is accepted. */
export function resolveStart(text: string | undefined, timezone: string, now: number): number | Error {
  if (text === undefined || text === 'now') return Math.floor(now);
  const clock = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (clock && Number(clock[1]) < 24 && Number(clock[2]) < 60) {
    return createLocalTime(timezone).dayStart(now) + (Number(clock[1]) * 60 + Number(clock[2])) * 60_000;
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) return new Error(`not a start time: "${text}" (write "07:00" for today at 7, an RFC 3339 time, or "now")`);
  return t;
}
