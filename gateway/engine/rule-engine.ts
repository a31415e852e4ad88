// Runs the rules as consumers of the log: each event, in log order, to each rule that subscribed,
// with the rule's outputs and its position committed in the same transaction.
import type { LoggedEvent } from '../events/event.ts';
import { derivedId } from '../events/ids.ts';
import type { EventData } from '../events/catalog.ts';
import type { Committer } from '../log/committer.ts';
import type { EventStore } from '../log/event-store.ts';
import type { DeviceRegistry } from '../registry/device-registry.ts';
import type { FiredTimer, RuleDefinition, RuleContext } from '../sdk/rule.ts';
import { Invocation, type InvocationScope } from './invocation.ts';
import type { RuleStore } from './rule-store.ts';
import type { Clock } from '../clock.ts';

/** A rule ready to run: its definition, the hash of its source, and its validated options. */
export interface LoadedRule {
  definition: RuleDefinition;
  version: string;
  options: unknown;
}

export interface RuleStats {
  runs: number;
  failures: number;
  lastError?: string | undefined;
}

interface ActiveRule extends LoadedRule {
  name: string;
  source: string;
  /** Position processed in this (uncommitted) transaction. */
  position: number;
  /** Position as last committed. */
  committed: number;
  stats: RuleStats;
}

export interface RuleEngineDeps {
  committer: Committer;
  events: EventStore;
  store: RuleStore;
  registry: DeviceRegistry;
  clock: Clock;
  /** CloudEvents source prefix of this site, e.g. "/sites/home". */
  sourceBase: string;
  log: RuleContext['log'] & { error(message: string, details?: Record<string, unknown>): void };
  /** Outputs caused, directly or not, by one root fact within one transaction. Default 32. */
  maxCascadeDepth?: number;
}

export interface RuleEngine {
  /** Replaces the running rules. A rule never seen before starts at the end of the log. */
  setRules(rules: LoadedRule[]): void;
  /** Runs inside the committer's transaction (it is the committer's processor). */
  process(fresh: LoggedEvent[]): void;
  /** Processes what rules have not seen yet (after a restart), in bounded transactions. */
  catchUp(batchSize?: number): Promise<void>;
  stats(): Map<string, RuleStats & { version: string; position: number }>;
}

const BACKLOG_BATCH = 1000;

export function createRuleEngine(deps: RuleEngineDeps): RuleEngine {
  const { committer, events, store, registry, clock, log } = deps;
  const maxDepth = deps.maxCascadeDepth ?? 32;
  let rules: ActiveRule[] = [];
  // Cascade depth of events appended in the current transaction (root facts are 0).
  const depth = new Map<string, number>();
  const invocationDeps = { store, registry, log };

  committer.beforeCommit(() => {
    for (const r of rules) if (r.position !== r.committed) store.setPosition(r.name, r.position, r.version);
    depth.clear();
  });
  committer.onRollback(() => {
    for (const r of rules) r.position = r.committed;
    depth.clear();
  });
  committer.onCommitted(() => {
    for (const r of rules) r.committed = r.position;
  });

  function run(event: LoggedEvent): void {
    for (const rule of rules) {
      if (rule.position >= event.seq) continue;
      rule.position = event.seq;
      dispatch(rule, event);
    }
  }

  function dispatch(rule: ActiveRule, event: LoggedEvent): void {
    const def = rule.definition;
    let key: string;
    let invoke: (ctx: RuleContext) => unknown;
    if (event.type === 'timer.fired') {
      const t = event.data as EventData<'timer.fired'>;
      if (t.rule !== rule.name) return;
      const handler = def.timers?.[t.name];
      key = t.key;
      const fired: FiredTimer = { name: t.name, key: t.key, data: t.data, dueAt: new Date(t.dueAt), lateMs: t.lateMs };
      invoke = handler ? (ctx) => handler(fired, ctx) : () => {
        throw new Error(`timer "${t.name}" fired but the rule has no timers.${t.name} handler`);
      };
    } else {
      const handler = (def.on as Record<string, ((e: LoggedEvent, ctx: RuleContext) => unknown) | undefined>)[event.type];
      if (!handler) return;
      if (event.replayed && !def.acceptReplayed) return;
      key = event.partitionkey ?? '';
      invoke = (ctx) => handler(event, ctx);
    }

    const scope: InvocationScope = {
      rule: rule.name,
      version: rule.version,
      options: rule.options,
      source: rule.source,
      key,
      now: clock.now(),
      cause: event,
    };
    const ctx = new Invocation(scope, invocationDeps);
    rule.stats.runs++;
    let failure: string | undefined;
    try {
      const result = invoke(ctx);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        failure = 'handler returned a promise: handlers must be synchronous (they record actions; the engine performs them)';
      }
      const d = (depth.get(event.id) ?? 0) + 1;
      if (!failure && ctx.events.length > 0 && d > maxDepth) {
        failure = `cascade deeper than ${maxDepth} events from one fact: outputs dropped (does the rule react to its own events?)`;
      }
      if (!failure) {
        ctx.apply(store);
        for (const out of ctx.events) if (committer.append(out)) depth.set(out.id, d);
        return;
      }
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    // Isolated: the failure is recorded as an event, the rule moves past the event, others go on.
    rule.stats.failures++;
    rule.stats.lastError = failure;
    log.warn('rule failed', { rule: rule.name, event: event.id, type: event.type, error: failure });
    committer.append({
      id: derivedId(Date.parse(event.time), rule.name, 'failed', event.source, event.id),
      source: rule.source,
      type: 'rule.failed',
      time: new Date(scope.now).toISOString(),
      partitionkey: event.partitionkey,
      causationid: event.id,
      correlationid: event.correlationid ?? event.id,
      ruleversion: rule.version,
      data: { rule: rule.name, version: rule.version, eventId: event.id, eventType: event.type, error: failure },
    });
  }

  return {
    setRules(loaded) {
      const head = events.head();
      const previous = new Map(rules.map((r) => [r.name, r]));
      rules = loaded.map((l) => {
        const name = l.definition.name;
        const position = previous.get(name)?.committed ?? store.position(name) ?? head;
        return {
          ...l,
          name,
          source: `${deps.sourceBase}/rules/${encodeURIComponent(name)}`,
          position,
          committed: position,
          stats: previous.get(name)?.stats ?? { runs: 0, failures: 0 },
        };
      });
      // A new rule starts at the end of the log; record that so a restart does not move it.
      const fresh = rules.filter((r) => store.position(r.name) === undefined);
      for (const r of fresh) store.setPosition(r.name, r.position, r.version);
    },
    process(fresh) {
      // `fresh` grows while rules append; walk it to its end.
      for (let i = 0; i < fresh.length; i++) run(fresh[i]!);
    },
    async catchUp(batchSize = BACKLOG_BATCH) {
      for (;;) {
        const from = Math.min(...rules.map((r) => r.committed));
        if (rules.length === 0 || from >= events.head()) return;
        const backlog = events.after(from, batchSize);
        if (backlog.length === 0) return;
        committer.submit({ write: () => backlog.forEach(run) });
        await committer.settled();
        if (rules.every((r) => r.committed < backlog.at(-1)!.seq)) {
          throw new Error('rules did not advance while catching up (the commit failed)');
        }
      }
    },
    stats() {
      return new Map(rules.map((r) => [r.name, { ...r.stats, version: r.version, position: r.committed }]));
    },
  };
}
