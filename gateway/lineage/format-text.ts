// The text form of an explanation, for `firstlight why`: the answer in one sentence, then the chain
// as a tree with times, log positions and the rule (and version) behind each step.
import { formatTime, shortVersion } from './describe.ts';
import type { DeviceExplanation } from './explain-device.ts';
import type { EffectNode, EventExplanation, LineageNode } from './explain-event.ts';
import type { RoomExplanation } from './explain-room.ts';
import type { Explanation } from './why.ts';

export function formatExplanation(x: Explanation, now: Date): string {
  switch (x.kind) {
    case 'event':
      return [x.because + '.', '', ...eventLines(x, now)].join('\n') + '\n';
    case 'device':
      return deviceLines(x, now).join('\n') + '\n';
    case 'room':
      return roomLines(x, now).join('\n') + '\n';
    default: {
      const never: never = x;
      return JSON.stringify(never);
    }
  }
}

/** HH:MM:SS.mmm in local time (with the date when not today): a fixed-width column. */
function column(iso: string, now: Date): string {
  const t = new Date(iso);
  const ms = String(t.getMilliseconds()).padStart(3, '0');
  const text = formatTime(new Date(t.getTime() - t.getMilliseconds()).toISOString(), now);
  return `${text}.${ms}`;
}

function line(n: LineageNode, depth: number, now: Date, mark = depth === 0 ? '' : '└ '): string {
  const time = column(String(n.event.time), now);
  const pos = `#${n.seq}`.padEnd(8);
  const indent = depth === 0 ? '' : '  '.repeat(depth - 1) + mark;
  const by = n.rule ? `  · rule ${n.rule.name}${n.rule.version ? ` @${shortVersion(n.rule.version)}` : ''}` : '';
  const from = !n.rule && depth === 0 ? `  · ${String(n.event.source)}` : '';
  return `  ${time}  ${pos} ${indent}${String(n.event.type)}  ${n.summary}${by}${from}`;
}

function eventLines(x: EventExplanation, now: Date, title = 'Chain, from the first fact:'): string[] {
  const out = [title];
  if (!x.complete) out.push(`  (the chain starts at ${x.missingCause}, which is not in this log)`);
  const chain = [...x.causes, x.event];
  chain.forEach((n, i) => out.push(line(n, i, now)));
  if (x.outcome?.event) out.push(line(x.outcome.event, chain.length, now, x.outcome.status === 'confirmed' ? '✓ ' : '✗ ') + `  (${x.outcome.status})`);
  else if (x.outcome) out.push(`${' '.repeat(25)}${'  '.repeat(chain.length - 1)}… ${x.outcome.status}`);
  out.push(`  id ${String(x.event.event.id)}`);
  if (x.effects) {
    out.push('', x.effects.length ? `Effects of #${x.event.seq}:` : `#${x.event.seq} caused nothing (yet).`);
    const walk = (nodes: EffectNode[], depth: number): void => {
      for (const n of nodes) {
        out.push(line(n, depth, now));
        walk(n.effects, depth + 1);
      }
    };
    walk(x.effects, 1);
    if (x.effectsTruncated) out.push('  … (more effects not shown)');
  }
  return out;
}

function deviceLines(x: DeviceExplanation, now: Date): string[] {
  const d = x.device;
  const what = [d.kinds.join(', ') || undefined, d.room ? `room ${d.room}` : undefined, d.model].filter(Boolean).join(', ');
  const state = x.state ? `: ${x.state.on ? 'on' : 'off'}${x.state.brightness !== undefined ? ` (brightness ${x.state.brightness})` : ''}` : '';
  const out = [`${d.name}${what ? ` (${what})` : ''}${state}`, '', x.sentence];
  if (x.lastCommand) out.push('', ...eventLines(x.lastCommand, now, 'Last command, from the first fact:'));
  if (x.lastReport) out.push('', ...eventLines(x.lastReport, now, 'Last report:'));
  return out;
}

function roomLines(x: RoomExplanation, now: Date): string[] {
  const out = [`${x.room}: ${x.occupancy ? (x.occupancy.occupied ? 'occupied' : 'vacant') : 'occupancy unknown'}`, '', x.sentence];
  if (x.occupancy) out.push('', ...eventLines(x.occupancy.change, now, 'Occupancy, from the first fact:'));
  for (const light of x.lights) {
    out.push('', `${light.device.name}: ${light.state ? (light.state.on ? 'on' : 'off') : 'state unknown'}`);
    if (light.lastCommand) out.push(...eventLines(light.lastCommand, now, 'Last command, from the first fact:'));
  }
  return out;
}
