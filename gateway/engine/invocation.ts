// One run of one rule handler for one event: the context it sees, and the outputs it buffers until
// the handler returns (a handler that throws leaves nothing behind).
import { eventCatalog, isKnownEventType } from '../events/catalog.ts';
import type { LoggedEvent, NewEvent } from '../events/event.ts';
import { derivedId } from '../events/ids.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { LightCommand } from '../sdk/device.ts';
import type { RuleContext } from '../sdk/rule.ts';
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
}

export interface InvocationDeps {
  store: RuleStore;
  registry: DeviceRegistry;
  log: RuleContext['log'];
}

const DELETED = Symbol('deleted');

/** What a handler asked for, applied only if it returned normally. */
export interface Outputs {
  events: NewEvent[];
  state: unknown | typeof DELETED | undefined;
  stateTouched: boolean;
  timers: Map<string, TimerRow | null>;
}

export function createInvocation(scope: InvocationScope, deps: InvocationDeps): { ctx: RuleContext; outputs: Outputs } {
  const { cause } = scope;
  const outputs: Outputs = { events: [], state: undefined, stateTouched: false, timers: new Map() };
  const time = new Date(scope.now).toISOString();
  const correlationid = cause.correlationid ?? cause.id;
  const causeTime = Date.parse(cause.time);

  function push(type: string, data: unknown, key: string | undefined, subject: string | undefined): void {
    if (isKnownEventType(type)) {
      const parsed = eventCatalog[type].safeParse(data);
      if (!parsed.success) throw new Error(`emitted ${type} with invalid data: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ')}`);
    }
    outputs.events.push({
      // Deterministic: the same rule reacting to the same event yields the same ids, so a replay
      // cannot store an output twice (the log keeps (source, id) unique).
      id: derivedId(causeTime, scope.rule, cause.source, cause.id, String(outputs.events.length)),
      source: scope.source,
      type,
      time,
      subject,
      partitionkey: key || undefined,
      causationid: cause.id,
      correlationid,
      ruleversion: scope.version,
      data: data as never,
    });
  }

  const ctx: RuleContext = {
    rule: scope.rule,
    version: scope.version,
    key: scope.key,
    now: new Date(scope.now),
    options: scope.options,
    emit(type, data, options) {
      push(type, data, options?.key ?? scope.key, options?.subject);
    },
    command(device: string, command: LightCommand) {
      const info = deps.registry.get(device);
      if (!info) throw new Error(`command for unknown device "${device}"`);
      push('command.light', { device, ...command }, info.room, device);
    },
    state: {
      get<S>() {
        if (outputs.stateTouched) return (outputs.state === DELETED ? undefined : outputs.state) as S | undefined;
        return deps.store.getState(scope.rule, scope.key) as S | undefined;
      },
      set(value) {
        if (value === undefined) throw new Error('state.set(undefined): use state.delete()');
        outputs.stateTouched = true;
        // A copy, so later mutation of the object by the handler cannot change what was recorded.
        outputs.state = structuredClone(value);
      },
      delete() {
        outputs.stateTouched = true;
        outputs.state = DELETED;
      },
    },
    timers: {
      set(name, after, data) {
        if (!Number.isFinite(after) || after < 0) throw new Error(`timer "${name}": delay must be a non-negative number of ms`);
        outputs.timers.set(name, {
          rule: scope.rule,
          key: scope.key,
          name,
          due_at: scope.now + after,
          data: data === undefined ? null : JSON.stringify(data),
          set_by: cause.id,
          correlationid,
        });
      },
      cancel(name) {
        outputs.timers.set(name, null);
      },
    },
    devices: {
      get: (name) => deps.registry.get(name),
      inRoom: (room, kind) => deps.registry.inRoom(room, kind),
    },
    log: deps.log,
  };
  return { ctx, outputs };
}

/** Writes a successful invocation's state and timer changes (its events are appended by the engine). */
export function applyOutputs(scope: InvocationScope, outputs: Outputs, store: RuleStore): void {
  if (outputs.stateTouched) {
    if (outputs.state === DELETED) store.deleteState(scope.rule, scope.key);
    else store.setState(scope.rule, scope.key, outputs.state);
  }
  for (const [name, row] of outputs.timers) {
    if (row) store.setTimer(row);
    else store.cancelTimer(scope.rule, scope.key, name);
  }
}
