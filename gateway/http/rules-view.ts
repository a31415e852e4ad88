// The rules as the API and /health report them: version, position and lag, runs, failures, the last
// error and time spent, and a status that makes a failing or falling-behind rule stand out.
import type { EventData } from '../events/catalog.ts';
import type { RuleStats } from '../engine/rule-engine.ts';
import type { EventReader } from '../log/event-reader.ts';

export interface RuleRow {
  name: string;
  version: string;
  position: number;
  lag: number;
  runs: number;
  failures: number;
  lastError: string | null;
  lastRunAt: string | null;
  busyMs: number;
  /** Mean time per run, in ms. */
  meanMs: number | null;
  lastFailure: { at: string; eventId: string; error: string; id: string } | null;
  /** Where its handlers run: the rule worker, or the gateway's own thread. */
  isolation: 'worker' | 'inline';
  /** Times it was stopped (time limit, out of memory); disabled after three, until a new version. */
  strikes: number;
  disabled: boolean;
  status: 'ok' | 'failing' | 'lagging' | 'disabled';
}

/** A rule that failed this recently counts as failing. */
const FAILING_WITHIN_MS = 10 * 60 * 1000;
/** A rule this many events behind the log counts as lagging. */
const LAGGING_AFTER = 1000;
/** How many recent rule.failed events are read to find each rule's last failure. */
const RECENT_FAILURES = 200;

export function ruleRows(deps: {
  stats: Map<string, RuleStats & { version: string; position: number }>;
  head: number;
  reader: EventReader;
  now: number;
  /** Names of the rules that run in the rule worker. */
  isolated: readonly string[];
}): RuleRow[] {
  const lastFailure = new Map<string, RuleRow['lastFailure']>();
  for (const e of deps.reader.query({ type: 'rule.failed', limit: RECENT_FAILURES, newest: true }).reverse()) {
    const f = e.data as EventData<'rule.failed'>;
    if (!lastFailure.has(f.rule)) lastFailure.set(f.rule, { at: e.time, eventId: f.eventId, error: f.error, id: e.id });
  }
  return [...deps.stats].map(([name, s]) => {
    const lag = Math.max(0, deps.head - s.position);
    const failure = lastFailure.get(name) ?? null;
    const failing = failure !== null && deps.now - Date.parse(failure.at) < FAILING_WITHIN_MS;
    return {
      name,
      version: s.version,
      position: s.position,
      lag,
      runs: s.runs,
      failures: s.failures,
      lastError: s.lastError ?? null,
      lastRunAt: s.lastRunAt !== undefined ? new Date(s.lastRunAt).toISOString() : null,
      busyMs: Math.round(s.busyMs * 1000) / 1000,
      meanMs: s.runs > 0 ? Math.round((s.busyMs / s.runs) * 1000) / 1000 : null,
      lastFailure: failure,
      isolation: deps.isolated.includes(name) ? 'worker' : 'inline',
      strikes: s.strikes,
      disabled: s.disabled,
      status: s.disabled ? 'disabled' : failing ? 'failing' : lag > LAGGING_AFTER ? 'lagging' : 'ok',
    };
  });
}
