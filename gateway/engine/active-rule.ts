// A rule as the engine runs it: its definition compiled (handlers, triggers, keys, budgets) and its
// progress through the log.
import type { LoggedEvent } from '../events/event.ts';
import type { RuleDefinition, RuleContext, RunMode } from '../sdk/rule.ts';
import { keyFunction } from './key-by.ts';
import { compileTriggers, type CompiledTrigger } from './triggers/index.ts';

/** A rule ready to run: its definition, the hash of its source, and its validated options. */
export interface LoadedRule {
  definition: RuleDefinition;
  version: string;
  options: unknown;
  file?: string | undefined;
}

export interface RuleStats {
  runs: number;
  failures: number;
  /** Failures past the per-second budget: counted, not written to the log. */
  unrecordedFailures: number;
  /** Triggers dropped by runMode 'ignore'. */
  ignored: number;
  /** The rule exceeded its emit rate at least once. */
  flagged: boolean;
  /** Time spent in the rule's handlers, in ms. */
  busyMs: number;
  /** Clock time of the last run, in ms. */
  lastRunAt?: number | undefined;
  /** Times the rule was stopped by the time limit. */
  strikes: number;
  /** Disabled after repeated strikes: it sees no events until it is reloaded. */
  disabled: boolean;
  lastError?: string | undefined;
}

export interface ActiveRule extends LoadedRule {
  name: string;
  source: string;
  /** Position processed in this (uncommitted) transaction. */
  position: number;
  /** Position as last committed. */
  committed: number;
  /** Position as last written to the consumers table (it may trail `committed`, see the engine). */
  persisted: number;
  /** The rule left something in the current transaction (outputs, state, timers, a failure). */
  dirty: boolean;
  /**
   * Behind the log when it was (re)activated: live events pass it by until catch-up has brought it
   * to the end of the log, so it sees every event in order instead of jumping to the newest.
   */
  lagging: boolean;
  stats: RuleStats;
  handlers: Record<string, ((event: LoggedEvent, ctx: RuleContext) => unknown) | undefined>;
  keyOf(event: LoggedEvent): string | undefined;
  triggers: CompiledTrigger[];
  triggersByType: Map<string, CompiledTrigger[]>;
  runMode: RunMode;
  budget: Budget;
  failureBudget: Budget;
}

/** Counts per one-second window of the clock. */
export class Budget {
  readonly limit: number;
  #window = -1;
  #used = 0;
  #refused = 0;
  constructor(limit: number) {
    this.limit = limit;
  }
  take(n: number, now: number): boolean {
    const window = Math.floor(now / 1000);
    if (window !== this.#window) {
      this.#window = window;
      this.#used = 0;
      this.#refused = 0;
    }
    if (this.#used + n > this.limit) {
      this.#refused++;
      return false;
    }
    this.#used += n;
    return true;
  }
  /** Refusals in the current window. */
  get refused(): number {
    return this.#refused;
  }
}

export function activeRule(
  loaded: LoadedRule,
  at: { sourceBase: string; timezone: string | undefined; position: number; stats?: RuleStats | undefined },
): ActiveRule {
  const def = loaded.definition;
  const specs = typeof def.triggers === 'function' ? def.triggers(loaded.options) : (def.triggers ?? []);
  const triggers = compileTriggers(specs, at.timezone);
  const triggersByType = new Map<string, CompiledTrigger[]>();
  for (const t of triggers) for (const type of t.logic.types) triggersByType.set(type, [...(triggersByType.get(type) ?? []), t]);
  return {
    ...loaded,
    name: def.name,
    source: `${at.sourceBase}/rules/${encodeURIComponent(def.name)}`,
    position: at.position,
    committed: at.position,
    persisted: at.position,
    dirty: false,
    lagging: false,
    stats: at.stats ?? { runs: 0, failures: 0, unrecordedFailures: 0, ignored: 0, flagged: false, busyMs: 0, strikes: 0, disabled: false },
    handlers: (def.on ?? {}) as ActiveRule['handlers'],
    keyOf: keyFunction(def.per),
    triggers,
    triggersByType,
    runMode: def.runMode ?? 'parallel',
    budget: new Budget(def.limits?.emitsPerSecond ?? 1000),
    // Failure events a rule may record per second; past that they are counted, not logged.
    failureBudget: new Budget(10),
  };
}
