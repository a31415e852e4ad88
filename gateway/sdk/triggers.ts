// Behaviour triggers: sequences of events over time (absence, held for, A then B, N within D,
// schedules, debounce, throttle), declared as data and run by the engine on persisted timers.
import type { Duration } from './duration.ts';
import type { RuleContext, RuleEvent } from './rule.ts';

/** How a trigger groups events into streams: by their stream key (room), by device, or by a function. */
export type KeyBy = 'key' | 'device' | ((event: RuleEvent) => string | undefined);

/** What a timer that fell due while the gateway was down does: fire late (default) or skip. */
export type LatePolicy = 'fire' | 'skip';

interface Common {
  /** Unique within the rule; pending timers and state are kept under it. Default: kind and type. */
  name?: string;
  /** Default 'key' (the room); 'device' for per-device behaviour. */
  per?: KeyBy;
  /** Default 'fire'. */
  ifLate?: LatePolicy;
  /** How late counts as "fell due while down", in ms. Default 10 s. */
  lateAfter?: Duration;
}

type Where<T extends string> = (event: RuleEvent<T>) => boolean;
type Run<F> = (fired: F, ctx: RuleContext<any>) => void;

/** Base of what every trigger reports when it fires. Times are RFC 3339 strings. */
export interface FiredBase {
  trigger: string;
  /** The stream the trigger fired for (room, device, or "" for schedules). */
  key: string;
  /** How late it fired, in ms (non-zero after downtime). */
  lateMs: number;
}
export interface AbsenceFired extends FiredBase {
  lastEventId: string;
  lastSeen: string;
  silentForMs: number;
}
export interface HeldForFired extends FiredBase {
  /** The event that started the state. */
  eventId: string;
  since: string;
  heldForMs: number;
}
export interface SequenceFired extends FiredBase {
  firstId: string;
  /** The event that followed (absent for `notFollowedBy`). */
  secondId?: string;
}
export interface CountFired extends FiredBase {
  count: number;
  eventIds: string[];
}
export interface ScheduleFired extends FiredBase {
  scheduledFor: string;
}
export interface DebounceFired extends FiredBase {
  /** The last event of the burst. */
  eventId: string;
  count: number;
}
export interface ThrottleFired extends FiredBase {
  eventId: string;
  /** Events dropped since the last time it fired. */
  dropped: number;
}

export type TriggerSpec =
  | ({ kind: 'absence'; types: string[]; for: Duration; where?: Where<any>; run: Run<AbsenceFired> } & Common)
  | ({ kind: 'heldFor'; types: string[]; while: Where<any>; for: Duration; run: Run<HeldForFired> } & Common)
  | ({
      kind: 'sequence';
      first: string;
      firstWhere?: Where<any>;
      second: string;
      secondWhere?: Where<any>;
      within: Duration;
      notFollowed: boolean;
      run: Run<SequenceFired>;
    } & Common)
  | ({ kind: 'count'; types: string[]; where?: Where<any>; count: number; within: Duration; run: Run<CountFired> } & Common)
  | ({ kind: 'schedule'; cron: string; timezone?: string; run: Run<ScheduleFired> } & Omit<Common, 'per'>)
  | ({ kind: 'debounce'; types: string[]; where?: Where<any>; for: Duration; run: Run<DebounceFired> } & Common)
  | ({ kind: 'throttle'; types: string[]; where?: Where<any>; every: Duration; run: Run<ThrottleFired> } & Common);

const list = <T extends string>(t: T | readonly T[]): string[] => (Array.isArray(t) ? [...t] : [t as string]);

/** Fires when no event of `type` (matching `where`) arrived for `for` ms after the last one. */
export function absence<T extends string>(spec: { type: T | readonly T[]; for: Duration; where?: Where<T>; run: Run<AbsenceFired> } & Common): TriggerSpec {
  return { ...spec, kind: 'absence', types: list(spec.type) };
}

/** Fires when `while` has held for every event of `type` since it became true, for `for` ms. */
export function heldFor<T extends string>(spec: { type: T | readonly T[]; while: Where<T>; for: Duration; run: Run<HeldForFired> } & Common): TriggerSpec {
  return { ...spec, kind: 'heldFor', types: list(spec.type) };
}

/** Fires when an event of `first` is followed by one of `second` within `within` ms. */
export function sequence<A extends string, B extends string>(
  spec: { first: A; firstWhere?: Where<A>; second: B; secondWhere?: Where<B>; within: Duration; run: Run<SequenceFired> } & Common,
): TriggerSpec {
  return { ...spec, kind: 'sequence', notFollowed: false };
}

/** Fires when an event of `first` is NOT followed by one of `second` within `within` ms. */
export function notFollowedBy<A extends string, B extends string>(
  spec: { first: A; firstWhere?: Where<A>; second: B; secondWhere?: Where<B>; within: Duration; run: Run<SequenceFired> } & Common,
): TriggerSpec {
  return { ...spec, kind: 'sequence', notFollowed: true };
}

/** Fires when `count` events of `type` arrive within a sliding window of `within` ms. */
export function countWithin<T extends string>(
  spec: { type: T | readonly T[]; where?: Where<T>; count: number; within: Duration; run: Run<CountFired> } & Common,
): TriggerSpec {
  return { ...spec, kind: 'count', types: list(spec.type) };
}

/** Fires on a cron schedule ("0 7 * * 1-5"), in `timezone` or the gateway's configured time zone. */
export function schedule(spec: { cron: string; timezone?: string; run: Run<ScheduleFired> } & Omit<Common, 'per'>): TriggerSpec {
  return { ...spec, kind: 'schedule' };
}

/** Fires every day at a local time ("07:00"). */
export function daily(time: string, spec: { timezone?: string; run: Run<ScheduleFired> } & Omit<Common, 'per'>): TriggerSpec {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!m) throw new Error(`daily("${time}"): write the time as HH:MM`);
  return { ...spec, kind: 'schedule', cron: `${Number(m[2])} ${Number(m[1])} * * *`, name: spec.name ?? `daily ${time}` };
}

/** Fires `for` ms after the last event of a burst (each event restarts the wait). */
export function debounce<T extends string>(spec: { type: T | readonly T[]; where?: Where<T>; for: Duration; run: Run<DebounceFired> } & Common): TriggerSpec {
  return { ...spec, kind: 'debounce', types: list(spec.type) };
}

/** Fires on an event, then ignores events of the same stream for `every` ms. */
export function throttle<T extends string>(spec: { type: T | readonly T[]; where?: Where<T>; every: Duration; run: Run<ThrottleFired> } & Common): TriggerSpec {
  return { ...spec, kind: 'throttle', types: list(spec.type) };
}

/** The name a trigger's state and timers are kept under. */
export function triggerName(spec: TriggerSpec): string {
  if (spec.name) return spec.name;
  switch (spec.kind) {
    case 'sequence':
      return `${spec.notFollowed ? 'notFollowedBy' : 'sequence'} ${spec.first} ${spec.second}`;
    case 'schedule':
      return `schedule ${spec.cron}`;
    default:
      return `${spec.kind} ${spec.types.join(',')}`;
  }
}
