// `firstlight replay <rule-file> --since <time>`: tries a rule on stored history in a dry run, and
// shows how what it would have done differs from what the rule of that name did.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadRuleFile } from '../engine/rule-loader.ts';
import { formatProblem, problemOf } from '../engine/rule-problem.ts';
import { FirstlightError } from '../errors.ts';
import type { LoggedEvent } from '../events/event.ts';
import { DB_FILE } from '../gateway.ts';
import { loadAdapters } from '../ingest/load-adapters.ts';
import { openDatabase } from '../log/database.ts';
import { compareOutputs } from '../replay/compare.ts';
import { createLiveLog, type LiveLog } from '../replay/live-log.ts';
import { replayRule } from '../replay/replay.ts';
import { comparisonJson, formatReport, replayedJson, type ReplayReport } from '../replay/report.ts';
import { parseTime } from './events-command.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight replay <rule-file> --since <time> [--until <time>] [options]

Runs a rule (new, or a changed version of one that runs) over the events stored in the log, on
virtual time: timers fire at the moments they would have. A dry run: nothing is published and
nothing is written to the log, also while the gateway runs. Prints what the rule would have emitted
and commanded and, for a rule that has run on this log, how that differs from what it did.

The rule starts at --since with no state and no timers, as a newly added rule would; start a little
earlier than the stretch you care about. Other rules are not run again: what they derived is fed to
the rule as it was recorded.

Options:
  --since <time>       start of the window: RFC 3339, or a duration back from now ("7d", "2h")
  --until <time>       end of the window (default: the newest event)
  --json               the result as one JSON document
${configFlagsHelp}`;

export async function runReplay(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...configFlags, since: { type: 'string' }, until: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [ruleArg, ...extra] = positionals;
  if (!ruleArg || extra.length > 0) throw new FirstlightError('FL_ERR_USAGE', 'replay takes one rule file', ['firstlight replay rules/my-rule.ts --since 7d']);
  if (values.since === undefined) throw new FirstlightError('FL_ERR_USAGE', 'replay needs --since', ['e.g. --since 7d, or --since 2026-01-05T00:00:00Z']);
  const since = parseTime(values.since, '--since');
  const until = values.until === undefined ? undefined : parseTime(values.until, '--until');

  const config = configFromFlags(values);
  const dbFile = join(config.data, DB_FILE);
  if (!existsSync(dbFile)) throw new FirstlightError('FL_ERR_NO_LOG', `no log at ${dbFile}`, ['point --data at the directory the gateway writes to']);
  const ruleFile = resolve(ruleArg);
  if (!existsSync(ruleFile)) throw new FirstlightError('FL_ERR_NOT_FOUND', `no rule file at ${ruleFile}`);
  const rule = await loadRuleFile(ruleFile, config.rules.options).catch((err: unknown) => {
    throw new FirstlightError('FL_ERR_RULE_LOAD', `cannot load the rule: ${formatProblem(ruleArg, problemOf(ruleFile, err))}`);
  });

  const started = performance.now();
  const db = openDatabase({ file: dbFile, readonly: true });
  try {
    const live = createLiveLog(db);
    // Outputs and timers are named after the site the log was written as, so ids come out the same.
    const sourceBase = live.sourceBase() ?? `/sites/${config.site}`;
    const window = live.window(since, until);
    const result = await replayRule({
      live,
      rule,
      window,
      since: Date.parse(since),
      until: until === undefined ? undefined : Date.parse(until),
      adapters: await loadAdapters(config.devices),
      sourceBase,
      timezone: config.timezone,
      maxCommandAgeMs: config.commands.maxAge,
    });
    try {
      const name = rule.definition.name;
      const ofKind = (p: (type: string) => boolean) => result.outputs.filter((e) => p(e.type)).map(replayedJson);
      const report: ReplayReport = {
        rule: { name, version: rule.version, file: ruleArg },
        window: { since, until, first: window.first, last: window.last },
        fed: result.fed,
        ownLeftOut: result.ownLeftOut,
        durationMs: Math.round(performance.now() - started),
        emitted: ofKind((t) => !t.startsWith('command.') && t !== 'rule.failed'),
        commands: ofKind((t) => t.startsWith('command.')),
        failures: ofKind((t) => t === 'rule.failed'),
      };
      if (live.knowsRule(name) || result.liveOutputs.length > 0) {
        const ruleSource = `${sourceBase}/rules/${encodeURIComponent(name)}`;
        const lookup = { live: (id: string) => live.byId(id), replayed: (id: string) => result.byId(id) };
        const causeOf = (e: LoggedEvent, side: 'live' | 'replayed'): string => timerCause(e, lookup[side], ruleSource);
        const inWindow = result.liveOutputs.filter((e) => causedInWindow(e, live, ruleSource, window.first));
        const comparison = compareOutputs(result.outputs, inWindow, causeOf);
        const versions = [...new Set(result.liveOutputs.map((e) => e.ruleversion).filter((v): v is string => v !== undefined))];
        report.comparison = comparisonJson(comparison, versions, result.liveOutputs.length - inWindow.length);
      }
      process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    } finally {
      result.close();
    }
  } finally {
    db.close();
  }
  return 0;
}

/**
 * What an output reacted to, named alike on both sides: its cause's id, except for the rule's own
 * timers, named by what set them (a timer set for another delay fires under another id, and its
 * outputs are then "changed", not "added" and "removed").
 */
function timerCause(e: LoggedEvent, byId: (id: string) => LoggedEvent | undefined, ruleSource: string): string {
  if (!e.causationid) return '';
  const cause = byId(e.causationid);
  if (cause?.type !== 'timer.fired' || cause.source !== ruleSource) return e.causationid;
  const t = cause.data as { name: string; key: string };
  return `timer ${t.name} [${t.key}] set by ${cause.causationid ?? ''}`;
}

/** Whether a live output goes back to an event in the window (through the rule's timer, if by one). */
function causedInWindow(e: LoggedEvent, live: LiveLog, ruleSource: string, first: number): boolean {
  let cause = e.causationid ? live.byId(e.causationid) : undefined;
  if (cause?.type === 'timer.fired' && cause.source === ruleSource) cause = cause.causationid ? live.byId(cause.causationid) : undefined;
  return cause !== undefined && cause.seq >= first;
}
