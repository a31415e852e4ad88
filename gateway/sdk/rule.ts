// The contract of a rule: which events it reacts to, and what it may do in reaction.
import type { z } from 'zod';
import type { EventData, KnownEventType } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';
import type { DeviceInfo, DeviceKind, LightCommand } from './device.ts';
import type { Duration } from './duration.ts';
import type { KeyBy, TriggerSpec } from './triggers.ts';

/** An event as a rule sees it: committed, immutable. */
export type RuleEvent<T extends string = string> = Readonly<LoggedEvent<T>>;

/** A persisted timer that fell due. */
export interface FiredTimer<D = unknown> {
  name: string;
  /** The stream key the timer was set for. */
  key: string;
  data: D;
  /** When it was due. */
  dueAt: Date;
  /** How late it fired (non-zero when the gateway was down or busy when it fell due). */
  lateMs: number;
}

export interface EmitOptions {
  /** Stream key of the new event; defaults to the key of the event being handled. */
  key?: string;
  subject?: string;
}

/** What a handler can do. Everything it does commits atomically with the rule's log position. */
export interface RuleContext<O = unknown> {
  /** The rule's name. */
  readonly rule: string;
  /** Content hash of the rule's file: stamped on every output as `ruleversion`. */
  readonly version: string;
  /** The stream key of the event being handled (usually the room); "" when it has none. */
  readonly key: string;
  /** The clock's time (virtual in tests and replays). */
  readonly now: Date;
  /** The rule's options, validated from `rules.<name>` in the config. */
  readonly options: O;
  /** Appends a derived event, caused by the event being handled. */
  emit<T extends string>(type: T, data: EventData<T>, options?: EmitOptions): void;
  /** Records a light command; it is sent through the device's adapter after the commit. */
  command(device: string, command: LightCommand): void;
  /** Per-key state of this rule (key = `ctx.key`). */
  readonly state: {
    get<S = unknown>(): S | undefined;
    set(value: unknown): void;
    delete(): void;
  };
  /** Persisted timers of this rule for `ctx.key`: they survive restarts and rule reloads. */
  readonly timers: {
    /** Sets (or resets) the timer `name` to fire after `after` ms; `data` comes back when it fires. */
    set(name: string, after: Duration, data?: unknown): void;
    cancel(name: string): void;
  };
  /** What the gateway knows about devices (read-only). */
  readonly devices: {
    get(name: string): DeviceInfo | undefined;
    /** Devices in a room, optionally only those of a kind. */
    inRoom(room: string, kind?: DeviceKind): DeviceInfo[];
  };
  readonly log: {
    info(message: string, details?: Record<string, unknown>): void;
    warn(message: string, details?: Record<string, unknown>): void;
  };
}

export type EventHandler<T extends string, O> = (event: RuleEvent<T>, ctx: RuleContext<O>) => void;
export type TimerHandler<O> = (timer: FiredTimer, ctx: RuleContext<O>) => void;

/**
 * What a new trigger for a key does while a run for that key is pending (the rule has timers of its
 * own pending for the key): run anyway (parallel, the default), cancel the pending run's timers and
 * start over (restart), drop the new trigger (ignore), or run it once the pending run ends (queue).
 */
export type RunMode = 'parallel' | 'restart' | 'ignore' | 'queue';

export interface RuleDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  /** Unique name, kebab-case; the rule's durable position and state are kept under it. */
  name: string;
  description?: string;
  /** Schema of the rule's options (`rules.<name>` in the config). Give every field a default. */
  options?: S;
  /** Handlers by event type. A handler is synchronous: it records what to do; the engine does it. */
  on?: { [K in T]: EventHandler<K, z.output<S>> };
  /**
   * Behaviour triggers (absence, heldFor, sequence, countWithin, schedule, debounce, throttle), or a
   * function of the rule's options that returns them (so durations and times can be options).
   */
  triggers?: TriggerSpec[] | ((options: z.output<S>) => TriggerSpec[]);
  /** The stream key of `on` handlers, state and timers: 'key' (the room, default), 'device', or a function. */
  per?: KeyBy;
  /** Default 'parallel'. */
  runMode?: RunMode;
  limits?: {
    /** Events (and commands) the rule may emit per second before its outputs are dropped. Default 1000. */
    emitsPerSecond?: number;
  };
  /** Handlers of this rule's timers, by timer name. */
  timers?: Record<string, TimerHandler<z.output<S>>>;
  /**
   * Also react to state a broker replayed on subscribe (retained messages). Default false: replayed
   * state is recorded but does not fire rules as if it had just happened.
   */
  acceptReplayed?: boolean;
  /**
   * Where the rule's handlers run. 'worker' (the default, `rules.isolation` in the config): in a worker
   * thread with a heap limit, so a rule that exhausts memory or loops is stopped and struck without
   * taking the gateway down; each handler call costs two thread hand-offs (10-75 us). 'inline': in the
   * gateway's own thread, for hot-path rules you trust; a loop is still stopped by the time limit.
   * Rules given to the test kit as definitions, not files, always run inline.
   */
  isolation?: 'worker' | 'inline';
}

/** Declares a rule. A file in `rules/` default-exports the result. */
export function defineRule<T extends KnownEventType | (string & {}), S extends z.ZodType = z.ZodObject<{}>>(
  definition: RuleDefinition<T, S>,
): RuleDefinition<T, S> {
  return definition;
}
