// The result of a replay as data (`--json`) and as text: what the rule would have emitted and
// commanded, and how that differs from what the rule of the same name did live.
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import type { Comparison } from './compare.ts';

export interface ReplayReport {
  rule: { name: string; version: string; file: string };
  /** The window asked for, and the log positions it covers. */
  window: { since: string; until: string | undefined; first: number; last: number };
  /** Events given to the rule; the rule's own recorded events left out of the feed. */
  fed: number;
  ownLeftOut: number;
  durationMs: number;
  emitted: Record<string, unknown>[];
  commands: Record<string, unknown>[];
  failures: Record<string, unknown>[];
  /** Absent for a rule that never ran on this log. */
  comparison?: {
    liveVersions: string[];
    same: number;
    added: Record<string, unknown>[];
    removed: Record<string, unknown>[];
    changed: { live: Record<string, unknown>; replayed: Record<string, unknown>; differences: string[] }[];
    /** Live outputs in the window caused by something before it (the replay starts with no state). */
    notCompared: number;
  };
}

/** A replayed output as CloudEvents JSON, without the position it had in the throwaway log. */
export function replayedJson(e: LoggedEvent): Record<string, unknown> {
  const { sequence: _sequence, ...rest } = toCloudEventJson(e);
  return rest;
}

export function comparisonJson(c: Comparison, liveVersions: string[], notCompared: number): NonNullable<ReplayReport['comparison']> {
  return {
    liveVersions,
    same: c.same,
    added: c.added.map(replayedJson),
    removed: c.removed.map(toCloudEventJson),
    changed: c.changed.map((ch) => ({ live: toCloudEventJson(ch.live), replayed: replayedJson(ch.replayed), differences: ch.differences })),
    notCompared,
  };
}

type Json = Record<string, unknown>;

function line(e: Json): string {
  const parts = [String(e.time), String(e.type)];
  if (e.partitionkey !== undefined) parts.push(`[${String(e.partitionkey)}]`);
  parts.push(JSON.stringify(e.data));
  return parts.join('  ');
}

export function formatReport(r: ReplayReport): string {
  const out: string[] = [];
  const { window: w } = r;
  out.push(`replay of ${r.rule.name}@${r.rule.version} (${r.rule.file}), a dry run: nothing was published or written to the log`);
  out.push(
    w.last < w.first
      ? `window ${w.since} .. ${w.until ?? 'the newest event'}: no events`
      : `window ${w.since} .. ${w.until ?? 'the newest event'}: log positions ${w.first}..${w.last}, ${r.fed} events fed to the rule` +
          (r.ownLeftOut > 0 ? ` (${r.ownLeftOut} of its own recorded events left out)` : '') +
          `, ${(r.durationMs / 1000).toFixed(2)} s`,
  );
  out.push('');
  out.push(`would have emitted ${r.emitted.length} event${r.emitted.length === 1 ? '' : 's'}${r.emitted.length ? ':' : ''}`);
  for (const e of r.emitted) out.push(`  ${line(e)}`);
  out.push(`would have commanded ${r.commands.length} time${r.commands.length === 1 ? '' : 's'}${r.commands.length ? ':' : ''}`);
  for (const e of r.commands) out.push(`  ${line(e)}`);
  if (r.failures.length > 0) {
    out.push(`would have failed ${r.failures.length} time${r.failures.length === 1 ? '' : 's'}:`);
    for (const e of r.failures) out.push(`  ${String(e.time)}  ${String((e.data as { error?: string }).error)}`);
  }
  const c = r.comparison;
  out.push('');
  if (!c) {
    out.push(`no rule named ${r.rule.name} ever ran on this log: nothing to compare with`);
    return out.join('\n') + '\n';
  }
  const versions = c.liveVersions.length ? ` (live version${c.liveVersions.length > 1 ? 's' : ''} ${c.liveVersions.join(', ')})` : '';
  out.push(`compared with what ${r.rule.name} did live${versions}:`);
  out.push(
    `  ${c.same} the same, ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed` +
      (c.notCompared > 0 ? ` (${c.notCompared} live outputs caused before --since not compared)` : ''),
  );
  for (const e of c.added) out.push(`  + ${line(e)}`);
  for (const e of c.removed) out.push(`  - ${line(e)}`);
  for (const ch of c.changed) out.push(`  ~ ${line(ch.live)}\n      ${ch.differences.join('\n      ')}`);
  return out.join('\n') + '\n';
}
