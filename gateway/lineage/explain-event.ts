// Why an event happened (its causes, back to the fact that started the chain) and what it caused,
// as data: pure functions over the lineage read API.
import type { EventData } from '../events/catalog.ts';
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import { describe, formatTime, ruleOf, shortVersion, type RuleRef } from './describe.ts';
import type { LineageLog, LineageReader } from './reader.ts';

/** One event in a lineage: the CloudEvent, a readable summary and the rule that made it. */
export interface LineageNode {
  seq: number;
  summary: string;
  rule?: RuleRef | undefined;
  event: Record<string, unknown>;
}

export interface EffectNode extends LineageNode {
  effects: EffectNode[];
}

/** What became of a light command. */
export interface CommandOutcome {
  status: 'confirmed' | 'contradicted' | 'unconfirmed' | 'failed' | 'expired';
  /** The device's state report, or the command.failed / command.expired event. */
  event?: LineageNode | undefined;
}

export interface EventExplanation {
  kind: 'event';
  event: LineageNode;
  /** The chain of causes, the root fact first, ending with the event's direct cause. */
  causes: LineageNode[];
  /** False when the chain stops at a cause that is not in the log (pruned, or from elsewhere). */
  complete: boolean;
  missingCause?: string | undefined;
  outcome?: CommandOutcome | undefined;
  /** What the event caused, as a tree (only when asked for). */
  effects?: EffectNode[] | undefined;
  /** True when the effects tree was cut at its size limit. */
  effectsTruncated?: boolean | undefined;
  /** The chain in one sentence: "hall/motion reported presence at 02:13:04, rule ... commanded ON, ...". */
  because: string;
}

export interface ExplainOptions {
  /** Include everything the event caused. */
  effects?: boolean | undefined;
  /** "Now", for how times are written (a date is added when not today). */
  now: Date;
}

/** Longer chains than this are cut (the engine's cascade limit is 32). */
const MAX_CAUSES = 64;
const MAX_EFFECT_NODES = 200;
const MAX_EFFECT_DEPTH = 16;
const EFFECTS_PER_EVENT = 50;
/** A state report this long after a command is a later change, not its confirmation. */
export const CONFIRM_WITHIN_MS = 60_000;

export function node(e: LoggedEvent): LineageNode {
  return { seq: e.seq, summary: describe(e), rule: ruleOf(e), event: toCloudEventJson(e) };
}

export function explainEvent(reader: LineageReader, e: LoggedEvent, options: ExplainOptions): EventExplanation {
  const { log } = reader;
  const causes: LoggedEvent[] = [];
  const seen = new Set([e.id]);
  let missingCause: string | undefined;
  for (let cur = e; cur.causationid && causes.length < MAX_CAUSES; ) {
    if (seen.has(cur.causationid)) break;
    const cause = log.byId(cur.causationid);
    if (!cause) {
      missingCause = cur.causationid;
      break;
    }
    seen.add(cause.id);
    causes.unshift(cause);
    cur = cause;
  }
  const outcome = e.type === 'command.light' ? commandOutcome(reader, e as LoggedEvent<'command.light'>) : undefined;
  const explanation: EventExplanation = {
    kind: 'event',
    event: node(e),
    causes: causes.map(node),
    complete: missingCause === undefined,
    missingCause,
    outcome,
    because: because([...causes, e], outcome, reader, options.now),
  };
  if (options.effects) Object.assign(explanation, effectsOf(log, e));
  return explanation;
}

/** Did the device do what it was told? Its first state report after the command says. */
export function commandOutcome(reader: LineageReader, command: LoggedEvent<'command.light'>): CommandOutcome {
  const { log } = reader;
  const failure = log.effects(command.id, EFFECTS_PER_EVENT).find((x) => x.type === 'command.failed' || x.type === 'command.expired');
  if (failure) return { status: failure.type === 'command.failed' ? 'failed' : 'expired', event: node(failure) };
  const device = command.data.device;
  const reports = [log.firstOfDeviceAfter(device, 'light.state', command.seq), log.firstOfDeviceAfter(device, 'switch.state', command.seq)];
  const first = reports.filter((r) => r !== undefined).sort((a, b) => a.seq - b.seq)[0];
  if (!first || Date.parse(first.time) - Date.parse(command.time) > CONFIRM_WITHIN_MS) return { status: 'unconfirmed' };
  const on = (first.data as EventData<'light.state'>).on;
  const wanted = command.data.state;
  const matches = wanted === 'TOGGLE' || (wanted === 'ON') === on;
  return { status: matches ? 'confirmed' : 'contradicted', event: node(first) };
}

function effectsOf(log: LineageLog, root: LoggedEvent): { effects: EffectNode[]; effectsTruncated: boolean } {
  let count = 0;
  let truncated = false;
  const top: EffectNode[] = [];
  // Breadth first, so a size limit keeps the nearest effects.
  let level: Array<{ event: LoggedEvent; into: EffectNode[] }> = [{ event: root, into: top }];
  for (let depth = 0; level.length > 0 && depth < MAX_EFFECT_DEPTH; depth++) {
    const next: typeof level = [];
    for (const { event, into } of level) {
      const children = log.effects(event.id, EFFECTS_PER_EVENT);
      if (children.length === EFFECTS_PER_EVENT) truncated = true;
      for (const child of children) {
        if (count >= MAX_EFFECT_NODES) {
          truncated = true;
          break;
        }
        count++;
        const n: EffectNode = { ...node(child), effects: [] };
        into.push(n);
        next.push({ event: child, into: n.effects });
      }
    }
    level = next;
  }
  if (level.length > 0) truncated = true;
  return { effects: top, effectsTruncated: truncated };
}

/** The chain as prose, root first. */
export function because(chain: LoggedEvent[], outcome: CommandOutcome | undefined, reader: LineageReader, now: Date): string {
  const parts = chain.map((e) => stepPhrase(e, now));
  const last = chain.at(-1);
  if (outcome && last?.type === 'command.light') parts.push(outcomePhrase(outcome, (last.data as EventData<'command.light'>).device, reader, now));
  return parts.join(', ');
}

function stepPhrase(e: LoggedEvent, now: Date): string {
  const rule = ruleOf(e);
  const at = formatTime(e.time, now);
  if (e.type === 'timer.fired') {
    const t = e.data as EventData<'timer.fired'>;
    return `the ${t.name} timer of rule ${t.rule} fired at ${at}`;
  }
  if (rule && e.type === 'command.light') {
    const c = e.data as EventData<'command.light'>;
    const v = shortVersion(rule.version);
    return `rule ${rule.name}${v ? ` v${v}` : ''} commanded ${c.state}${c.brightness !== undefined ? ` at brightness ${c.brightness}` : ''}`;
  }
  if (rule) return `rule ${rule.name} derived ${e.type}${e.partitionkey ? ` (${e.partitionkey})` : ''}`;
  return `${describe(e)} at ${at}`;
}

function outcomePhrase(outcome: CommandOutcome, device: string, reader: LineageReader, now: Date): string {
  const kinds = reader.devices.get(device)?.kinds ?? [];
  const it = kinds.includes('light') ? 'the light' : kinds.includes('switch') ? 'the switch' : 'the device';
  const e = outcome.event?.event;
  const at = e ? formatTime(String(e.time), now) : '';
  switch (outcome.status) {
    case 'confirmed':
      return `${it} confirmed at ${at}`;
    case 'contradicted':
      return `but ${it} reported ${(e?.data as { on?: boolean } | undefined)?.on ? 'ON' : 'OFF'} at ${at}`;
    case 'unconfirmed':
      return `${it} has not confirmed it`;
    case 'failed':
      return `but sending it failed at ${at}: ${(e?.data as { error?: string } | undefined)?.error ?? 'unknown error'}`;
    case 'expired':
      return `but it expired unsent at ${at} (the gateway was down when it was due)`;
    default: {
      const never: never = outcome.status;
      return String(never);
    }
  }
}
