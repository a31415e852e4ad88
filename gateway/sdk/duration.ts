// Durations for rules and config: numbers of milliseconds, written as helpers or strings like "10m".
import { z } from 'zod';

/** A duration in milliseconds. */
export type Duration = number;

export const milliseconds = (n: number): Duration => n;
export const seconds = (n: number): Duration => n * 1000;
export const minutes = (n: number): Duration => n * 60_000;
export const hours = (n: number): Duration => n * 3_600_000;
export const days = (n: number): Duration => n * 86_400_000;

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses "500ms", "30s", "10m", "1h30m", "2d" (or a plain number of milliseconds) into milliseconds.
 * Returns undefined for anything else.
 */
export function parseDuration(text: string | number): Duration | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched > 0 && matched === s.length ? Math.round(total) : undefined;
}

/**
 * An RFC 3339 time, or a duration back from `now` ("15m", "2h"), as an RFC 3339 time; undefined for
 * anything else. A bare number is read as a time, not as milliseconds ago.
 */
export function timeOrAgo(text: string, now: number): string | undefined {
  const ago = /^\d+$/.test(text) ? undefined : parseDuration(text);
  if (ago !== undefined) return new Date(now - ago).toISOString();
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** A zod schema for a duration written as a string ("10m") or a number of milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(v)} (write e.g. "30s", "10m", "1h30m")` });
    return z.NEVER;
  }
  return ms;
});
