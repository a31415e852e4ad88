// What a scenario asserts over a simulated day: lights follow people, nothing burns in an empty
// room, and every command can be traced back to a fact a device reported. Each check returns the
// violations (empty when the day was right), so a failing test shows what went wrong and when.
import type { LoggedEvent } from 'firstlight';
import type { Change, Truth } from './truth.ts';

export interface LightViolation {
  device: string;
  room: string;
  /** When the violation began (ISO), and how long it lasted in ms. */
  at: string;
  forMs: number;
}

/**
 * Lights that were on while nobody had been in their room for longer than `allowanceMs` (the
 * sensor's occupancy timeout plus the vacancy delay plus the light's delay). Checked up to `until`.
 */
export function lightsOnWithoutOccupants(truth: Truth, options: { allowanceMs: number; until: number }): LightViolation[] {
  const out: LightViolation[] = [];
  for (const [device, { room, changes }] of truth.lights) {
    const allowed = occupiedSpans(truth.occupancy.get(room) ?? [], options.allowanceMs, options.until);
    for (const [from, to] of spans(changes, (on) => on, options.until)) {
      // Each moment [from, to) must lie inside a span when the room was (recently) occupied.
      let t = from;
      for (const [a, b] of allowed) {
        if (b <= t) continue;
        if (a > t) break;
        t = Math.max(t, b);
        if (t >= to) break;
      }
      if (t < to) out.push({ device, room, at: new Date(t).toISOString(), forMs: to - t });
    }
  }
  return out;
}

/**
 * Moments a motion sensor reported someone but a light in that room was still off `withinMs` later.
 * Lost commands are excused unless `excuseLost` is false (when the gateway is expected to retry them).
 */
export function motionLeftDark(truth: Truth, options: { withinMs: number; until: number; excuseLost?: boolean }): LightViolation[] {
  const out: LightViolation[] = [];
  for (const [device, { room, changes }] of truth.lights) {
    for (const seen of truth.motion.get(room) ?? []) {
      const check = seen + options.withinMs;
      if (check > options.until || truth.valueAt(changes, check, false)) continue;
      const excused = options.excuseLost !== false && truth.lost.some((l) => l.device === device && l.at >= seen - options.withinMs && l.at <= check);
      if (!excused) out.push({ device, room, at: new Date(seen).toISOString(), forMs: options.withinMs });
    }
  }
  return out;
}

/** Is a device fact: something a sensor or device reported, not something a rule derived. */
const isDeviceFact = (e: LoggedEvent): boolean => !e.causationid && /^(sensor|device|button|light|switch)\./.test(e.type);

/**
 * Commands whose causation chain does not end in a device fact, or whose correlation id is not that
 * fact's id. Each violation names the chain of event types it found.
 */
export function commandsWithoutCause(events: readonly LoggedEvent[]): { command: string; chain: string[] }[] {
  const byId = new Map(events.map((e) => [e.id, e]));
  const out: { command: string; chain: string[] }[] = [];
  for (const command of events) {
    if (command.type !== 'command.light') continue;
    const chain: string[] = [];
    let e: LoggedEvent | undefined = command;
    while (e?.causationid && chain.length < 50) {
      chain.push(e.type);
      e = byId.get(e.causationid);
    }
    if (e) chain.push(e.type);
    if (!e || !isDeviceFact(e) || command.correlationid !== e.id) out.push({ command: command.id, chain });
  }
  return out;
}

/** The spans [from, to) when `test` held for a timeline, up to `until`. */
function spans<T>(changes: readonly Change<T>[], test: (v: T) => boolean, until: number): [number, number][] {
  const out: [number, number][] = [];
  let start: number | undefined;
  for (const c of changes) {
    if (c.at > until) break;
    if (test(c.value) && start === undefined) start = c.at;
    else if (!test(c.value) && start !== undefined) {
      out.push([start, c.at]);
      start = undefined;
    }
  }
  if (start !== undefined) out.push([start, until]);
  return out;
}

/** Spans when a room had someone in it, each stretched by `allowanceMs`, merged. */
function occupiedSpans(changes: readonly Change<number>[], allowanceMs: number, until: number): [number, number][] {
  const merged: [number, number][] = [];
  for (const [a, b] of spans(changes, (n) => n > 0, until)) {
    const last = merged.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b + allowanceMs);
    else merged.push([a, b + allowanceMs]);
  }
  return merged;
}
