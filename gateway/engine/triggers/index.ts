// Compiles a rule's trigger specs into the logic the engine runs, with one dispatch over the kinds.
import type { LoggedEvent } from '../../events/event.ts';
import { triggerName, type LatePolicy, type TriggerSpec } from '../../sdk/triggers.ts';
import { keyFunction } from '../key-by.ts';
import { absenceLogic } from './absence.ts';
import { countLogic } from './count.ts';
import { debounceLogic } from './debounce.ts';
import { heldForLogic } from './held-for.ts';
import type { TriggerLogic } from './runtime.ts';
import { scheduleLogic } from './schedule.ts';
import { sequenceLogic } from './sequence.ts';
import { throttleLogic } from './throttle.ts';

export interface CompiledTrigger {
  name: string;
  spec: TriggerSpec;
  logic: TriggerLogic;
  /** The stream an event belongs to for this trigger; undefined: not for this trigger. */
  keyOf(event: LoggedEvent): string | undefined;
  ifLate: LatePolicy;
  lateAfter: number;
}

/** Timer names of triggers are `trigger:<trigger name>:<timer>`; rules' own timers cannot start so. */
export const TRIGGER_TIMER_PREFIX = 'trigger:';

export function triggerTimerName(trigger: string, timer: string): string {
  return `${TRIGGER_TIMER_PREFIX}${trigger}:${timer}`;
}

/** Splits a trigger timer name into trigger and timer (the timer part never contains ':'). */
export function parseTriggerTimer(name: string): { trigger: string; timer: string } | undefined {
  if (!name.startsWith(TRIGGER_TIMER_PREFIX)) return undefined;
  const rest = name.slice(TRIGGER_TIMER_PREFIX.length);
  const i = rest.lastIndexOf(':');
  return i < 0 ? undefined : { trigger: rest.slice(0, i), timer: rest.slice(i + 1) };
}

function logicFor(spec: TriggerSpec, timezone: string | undefined): TriggerLogic {
  switch (spec.kind) {
    case 'absence':
      return absenceLogic(spec);
    case 'heldFor':
      return heldForLogic(spec);
    case 'sequence':
      return sequenceLogic(spec);
    case 'count':
      return countLogic(spec);
    case 'schedule':
      return scheduleLogic(spec, timezone);
    case 'debounce':
      return debounceLogic(spec);
    case 'throttle':
      return throttleLogic(spec);
    default: {
      const never: never = spec;
      throw new Error(`unknown trigger kind ${JSON.stringify(never)}`);
    }
  }
}

/** Compiles the triggers of one rule; throws with a clear message for a bad spec or a name clash. */
export function compileTriggers(specs: readonly TriggerSpec[], timezone: string | undefined): CompiledTrigger[] {
  const names = new Set<string>();
  return specs.map((spec) => {
    const name = triggerName(spec);
    if (names.has(name)) throw new Error(`two triggers are named "${name}": give one a name`);
    names.add(name);
    return {
      name,
      spec,
      logic: logicFor(spec, timezone),
      keyOf: spec.kind === 'schedule' ? () => '' : keyFunction(spec.per),
      ifLate: spec.ifLate ?? 'fire',
      lateAfter: spec.lateAfter ?? 10_000,
    };
  });
}
