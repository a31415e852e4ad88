// One run of one rule handler for one event: the context it sees, and the outputs it buffers until
// the handler returns (a handler that throws leaves nothing behind).
import { eventCatalog, isKnownEventType } from '../events/catalog.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';
import { derivedId } from '../events/ids.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { DeviceInfo, DeviceKind, LightCommand } from '../sdk/device.ts';
import type { Duration } from '../sdk/duration.ts';
import type { EmitOptions, RuleContext } from '../sdk/rule.ts';
import type { RuleStore, TimerRow } from './rule-store.ts';

export interface InvocationScope {
  rule: string;
  version: string;
  options: unknown;
  /** The rule's CloudEvents source. */
  source: string;
  key: string;
  now: number;
  cause: LoggedEvent;
  /**
   * Which part of the rule runs (its handler, a trigger, a queued run...): one rule may run several
   * times for one event, and each run's outputs need ids of their own.
   */
  part: string;
}

export interface InvocationDeps {
  store: RuleStore;
  registry: DeviceRegistry;
  log: RuleContext['log'];
}

const DELETED = Symbol('deleted');
const NOT_WRITTEN = Symbol('not written');

// The context is a class with methods on its prototype, not an object of closures: it is built for
// every handler call, on the hot path.

/**
 * The context a handler sees; it records what the handler asks for, applied only if it returns. Its
 * maps and accessors are made on first use: most handlers touch few of them, and each message runs
 * several handlers (every object made here is garbage a young-generation collection has to visit).
 */
export class Invocation implements RuleContext {
  readonly events: NewEvent[] = [];
  readonly log: RuleContext['log'];
  readonly scope: InvocationScope;
  readonly deps: InvocationDeps;
  #stateChanges: Map<string, unknown> | undefined;
  #timerChanges: Map<string, TimerRow | null> | undefined;
  #state: StateAccess | undefined;
  #timers: TimerAccess | undefined;
  #devices: DeviceAccess | undefined;
  #causeMs: number | undefined;
  #time: string | undefined;

  constructor(scope: InvocationScope, deps: InvocationDeps) {
    this.scope = scope;
    this.deps = deps;
    this.log = deps.log;
  }

  /** State writes by slot (a rule's own state is under its key; triggers keep theirs apart). */
  get stateChanges(): Map<string, unknown> {
    return (this.#stateChanges ??= new Map());
  }
  get timerChanges(): Map<string, TimerRow | null> {
    return (this.#timerChanges ??= new Map());
  }
  get state(): StateAccess {
    return (this.#state ??= new StateAccess(this, this.scope.key));
  }
  get timers(): TimerAccess {
    return (this.#timers ??= new TimerAccess(this));
  }
  get devices(): DeviceAccess {
    return (this.#devices ??= new DeviceAccess(this.deps.registry));
  }
  /** Whether the handler asked for anything: an output, a state or a timer change. */
  get hasEffects(): boolean {
    return this.events.length > 0 || (this.#stateChanges?.size ?? 0) > 0 || (this.#timerChanges?.size ?? 0) > 0;
  }
  /** The value this invocation wrote to a state slot (DELETED for a delete), or NOT_WRITTEN. */
  writtenState(slot: string): unknown {
    const changes = this.#stateChanges;
    return changes?.has(slot) ? changes.get(slot) : NOT_WRITTEN;
  }

  get rule(): string {
    return this.scope.rule;
  }
  get version(): string {
    return this.scope.version;
  }
  get key(): string {
    return this.scope.key;
  }
  get now(): Date {
    return new Date(this.scope.now);
  }
  get options(): unknown {
    return this.scope.options;
  }

  emit(type: string, data: unknown, options?: EmitOptions): void {
    this.push(type, data, options?.key ?? this.scope.key, options?.subject);
  }

  command(device: string, command: LightCommand): void {
    const info = this.deps.registry.get(device);
    if (!info) throw new Error(`command for unknown device "${device}"`);
    this.push('command.light', { device, ...command }, info.room, device);
  }

  /** Appends an output; also used by the engine for what triggers record. */
  push(type: string, data: unknown, key: string | undefined, subject: string | undefined): void {
    if (isKnownEventType(type)) {
      const parsed = eventCatalog[type].safeParse(data);
      if (!parsed.success) {
        throw new Error(`emitted ${type} with invalid data: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')}`);
      }
    }
    const { cause, rule, source, version } = this.scope;
    // Per invocation, not per output: a rule commanding every light of a room emits several.
    this.#causeMs ??= Date.parse(cause.time);
    this.#time ??= new Date(this.scope.now).toISOString();
    this.events.push({
      // Deterministic: the same rule reacting to the same event yields the same ids, so a replay
      // cannot store an output twice (the log keeps (id, source) unique).
      id: derivedId(this.#causeMs, rule, this.scope.part, this.scope.key, cause.source, cause.id, String(this.events.length)),
      source,
      type,
      time: this.#time,
      subject,
      partitionkey: key || undefined,
      causationid: cause.id,
      correlationid: cause.correlationid ?? cause.id,
      ruleversion: version,
      data: data as never,
    });
  }

  /** Sets a timer at an absolute time (triggers use this; handlers use `timers.set`). */
  setTimerAt(name: string, dueAt: number, data?: unknown): void {
    const { rule, key, cause } = this.scope;
    this.timerChanges.set(name, {
      rule,
      key,
      name,
      due_at: Math.round(dueAt),
      data: data === undefined ? null : JSON.stringify(data),
      set_by: cause.id,
      correlationid: cause.correlationid ?? cause.id,
    });
  }

  /** When timer `name` of this rule and key is due, counting this invocation's own changes. */
  pendingTimer(name: string): number | undefined {
    const change = this.#timerChanges?.get(name);
    if (change !== undefined) return change?.due_at;
    return this.deps.store.timerDue(this.scope.rule, this.scope.key, name);
  }

  /** Writes the state and timer changes of a handler that returned normally. */
  apply(store: RuleStore): void {
    const { rule, key } = this.scope;
    for (const [slot, value] of this.#stateChanges ?? []) {
      if (value === DELETED) store.deleteState(rule, slot);
      else store.setState(rule, slot, value);
    }
    for (const [name, row] of this.#timerChanges ?? []) {
      if (row) store.setTimer(row);
      else store.cancelTimer(rule, key, name);
    }
  }
}

/** Per-key state in one slot; the rule's own state is the slot named after the key. */
export class StateAccess {
  readonly #inv: Invocation;
  readonly #slot: string;
  constructor(inv: Invocation, slot: string) {
    this.#inv = inv;
    this.#slot = slot;
  }
  get<S>(): S | undefined {
    const written = this.#inv.writtenState(this.#slot);
    if (written !== NOT_WRITTEN) return (written === DELETED ? undefined : written) as S | undefined;
    return this.#inv.deps.store.getState(this.#inv.scope.rule, this.#slot) as S | undefined;
  }
  set(value: unknown): void {
    if (value === undefined) throw new Error('state.set(undefined): use state.delete()');
    // A copy, so later mutation of the object by the handler cannot change what was recorded.
    this.#inv.stateChanges.set(this.#slot, structuredClone(value));
  }
  delete(): void {
    this.#inv.stateChanges.set(this.#slot, DELETED);
  }
}

export class TimerAccess {
  readonly #inv: Invocation;
  constructor(inv: Invocation) {
    this.#inv = inv;
  }
  set(name: string, after: Duration, data?: unknown): void {
    if (!Number.isFinite(after) || after < 0) throw new Error(`timer "${name}": delay must be a non-negative number of ms`);
    checkName(name);
    this.#inv.setTimerAt(name, this.#inv.scope.now + after, data);
  }
  cancel(name: string): void {
    checkName(name);
    this.#inv.timerChanges.set(name, null);
  }
}

function checkName(name: string): void {
  if (name.startsWith('trigger:')) throw new Error(`timer "${name}": names starting with "trigger:" belong to triggers`);
}

export class DeviceAccess {
  readonly #registry: DeviceRegistry;
  constructor(registry: DeviceRegistry) {
    this.#registry = registry;
  }
  get(name: string): DeviceInfo | undefined {
    return this.#registry.get(name);
  }
  inRoom(room: string, kind?: DeviceKind): DeviceInfo[] {
    return this.#registry.inRoom(room, kind);
  }
}
