// The lineage drawer: an event's chain of causes, its outcome and its effects, or why a device or a
// room is as it is; every step links to its own lineage, so a chain can be walked by clicking.
import { clock, h } from './views.js';

function node(n, { current = false, outcome } = {}) {
  const e = n.event;
  return h('li', { class: 'node', 'data-type': e.type, 'data-id': e.id, 'data-current': String(current), 'data-outcome': outcome },
    h('a', { href: `#/event/${encodeURIComponent(e.id)}` },
      h('div', {}, h('span', { class: 't' }, e.type), h('span', { class: 's' }, `  ${clock(e.time)}`, `  #${n.seq}`)),
      h('div', { class: 's' }, n.summary),
      n.rule ? h('div', { class: 'by' }, `rule ${n.rule.name}${n.rule.version ? ' @' + n.rule.version.slice(0, 8) : ''}`) : null));
}

function effectsTree(list) {
  return h('ul', { class: 'effects' }, list.map((n) => h('li', {}, h('ul', { class: 'chain' }, node(n)), n.effects.length ? effectsTree(n.effects) : null)));
}

/** The chain from the first fact to `x.event`, then its outcome (a command's confirmation). */
function chain(x, markCurrent = true) {
  const items = [...x.causes.map((n) => node(n)), node(x.event, { current: markCurrent })];
  if (x.outcome?.event) items.push(node(x.outcome.event, { outcome: x.outcome.status }));
  else if (x.outcome) items.push(h('li', { class: 'node', 'data-outcome': x.outcome.status }, h('span', { class: 's' }, x.outcome.status)));
  return h('ol', { class: 'chain' }, items);
}

export function renderEvent(body, x) {
  body.replaceChildren(
    h('p', { class: 'because' }, `${x.because}.`),
    x.complete ? null : h('p', { class: 'empty' }, `The chain starts at ${x.missingCause}, which is not in this log.`),
    chain(x),
    h('h3', {}, x.effects?.length ? 'What it caused' : 'It caused nothing (yet).'),
    x.effects?.length ? effectsTree(x.effects) : null,
    h('details', {}, h('summary', {}, 'CloudEvent'), h('pre', {}, JSON.stringify(x.event.event, null, 2))));
}

export function renderWhy(body, x) {
  if (x.kind === 'event') return renderEvent(body, x);
  const parts = [h('p', { class: 'because' }, x.sentence)];
  if (x.kind === 'device') {
    if (x.lastCommand) parts.push(h('h3', {}, 'Last command, from the first fact'), chain(x.lastCommand));
    if (x.lastReport) parts.push(h('h3', {}, 'Last report'), chain(x.lastReport), x.lastReport.effects?.length ? effectsTree(x.lastReport.effects) : null);
  } else if (x.kind === 'room') {
    if (x.occupancy) parts.push(h('h3', {}, x.occupancy.occupied ? 'Occupied because' : 'Vacant because'), chain(x.occupancy.change));
    for (const l of x.lights) {
      parts.push(h('h3', {}, `${l.device.name}: ${l.state ? (l.state.on ? 'on' : 'off') : 'state unknown'}`));
      if (l.lastCommand) parts.push(chain(l.lastCommand));
    }
  }
  body.replaceChildren(...parts);
}

export function titleFor(x) {
  if (x.kind === 'event') return `${x.event.event.type} #${x.event.seq}`;
  if (x.kind === 'device') return `Why ${x.device.name}${x.state ? ` is ${x.state.on ? 'on' : 'off'}` : ''}`;
  return `Why ${x.room} is ${x.occupancy ? (x.occupancy.occupied ? 'occupied' : 'vacant') : 'as it is'}`;
}
