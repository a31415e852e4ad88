// Rendering for the dashboard: a tiny DOM builder (text only, never HTML strings from data) and one
// function per panel. Each takes plain data and replaces the panel's content.

/** h('a', { href: '#' }, 'text', child) -> element. Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const two = (n) => String(n).padStart(2, '0');
/** 14:03:07 */
export function clock(iso) {
  const d = new Date(iso);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}
/** "just now", "5m ago", "3h ago", "2d ago" */
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** A few words about an event, like the gateway's own `why` vocabulary. */
export function summarize(e) {
  const d = e.data ?? {};
  const dev = d.device ?? e.subject ?? '';
  switch (e.type) {
    case 'sensor.occupancy': return `${dev}: ${d.occupied ? 'presence' : 'no presence'}`;
    case 'sensor.contact': return `${dev}: ${d.open ? 'open' : 'closed'}`;
    case 'sensor.temperature': return `${dev}: ${d.celsius} °C`;
    case 'sensor.humidity': return `${dev}: ${d.percent} %`;
    case 'sensor.illuminance': return `${dev}: ${d.lux} lx`;
    case 'device.battery': return `${dev}: battery ${d.percent} %`;
    case 'device.availability': return `${dev}: ${d.online ? 'online' : 'offline'}`;
    case 'light.state': case 'switch.state': return `${dev}: ${d.on ? 'ON' : 'OFF'}`;
    case 'command.light': return `${dev} ← ${d.state}`;
    case 'room.entered': return `${d.room} entered`;
    case 'room.vacated': return `${d.room} vacated`;
    case 'timer.fired': return `${d.rule}: timer ${d.name}`;
    case 'rule.failed': return `${d.rule}: ${d.error}`;
    case 'input.rejected': return `${d.topic}: ${d.reason}`;
    case 'command.failed': return `${dev}: ${d.error}`;
    case 'command.confirmed': return `${dev}: confirmed${typeof d.latencyMs === 'number' ? ` in ${d.latencyMs} ms` : ''}`;
    case 'command.expired': return `${dev}: expired unsent`;
    default: return e.subject ?? e.partitionkey ?? '';
  }
}

function kindOf(type) {
  if (type.startsWith('command.')) return 'command';
  if (type.startsWith('room.')) return 'room';
  if (type === 'input.rejected' || type === 'rule.failed' || type === 'command.failed') return 'bad';
  return 'fact';
}

export function eventItem(e) {
  return h('li', { class: 'ev', 'data-type': e.type, 'data-kind': kindOf(e.type), 'data-id': e.id, tabindex: 0 },
    h('time', { datetime: e.time }, clock(e.time)),
    h('span', { class: 'type' }, e.type, e.partitionkey ? h('span', { class: 'since' }, `  ${e.partitionkey}`) : null),
    h('span', { class: 'summary' }, summarize(e)));
}

export function renderRooms(el, rooms) {
  if (rooms.length === 0) return;
  el.replaceChildren(...rooms.map((r) => h('article', { class: 'room', 'data-room': r.room, 'data-occupied': String(r.occupied === true) },
    h('div', { class: 'room-head' },
      h('a', { class: 'room-name', href: `#/why/${encodeURIComponent('room:' + r.room)}` }, r.room),
      h('span', { class: 'occ' }, r.occupied === null ? '—' : r.occupied ? 'occupied' : 'vacant')),
    r.since ? h('div', { class: 'since' }, `since ${clock(r.since)}`) : null,
    h('div', { class: 'lights' }, r.lights.map((l) => h('button', {
      class: 'light', type: 'button', 'data-device': l.device, 'data-on': String(l.on === true), 'data-pending': String(l.pending),
      title: `why is ${l.device} ${l.on ? 'on' : 'off'}?`,
      onclick: () => { location.hash = `#/why/${encodeURIComponent('device:' + l.device)}`; },
    }, h('span', { class: 'bulb' }), l.device.split('/').pop(), h('span', { class: 'state' }, l.pending ? `→ ${l.commanded}` : l.on === null ? '?' : l.on ? 'on' : 'off')))))));
}

export function renderDevices(el, devices, now = Date.now()) {
  el.replaceChildren(...devices.map((d) => {
    const flag = d.online === false ? 'offline' : d.silent ? 'silent' : 'ok';
    const state = d.state ? (d.state.on ? 'on' : 'off') : d.online === false ? 'offline' : '';
    return h('tr', { 'data-device': d.name, 'data-flag': flag },
      h('td', {}, h('a', { href: `#/why/${encodeURIComponent('device:' + d.name)}` }, d.name)),
      h('td', {}, d.room ?? ''),
      h('td', {}, state),
      h('td', { title: d.lastSeen ?? '' }, flag === 'offline' ? `offline, ${ago(d.lastSeen, now)}` : ago(d.lastSeen, now)),
      h('td', {}, d.battery === null ? '' : `${d.battery} %`),
      h('td', {}, d.linkquality === null ? '' : String(d.linkquality)));
  }));
}

export function renderRules(el, rules) {
  if (rules.length === 0) return el.replaceChildren(h('p', { class: 'empty' }, 'No rules are loaded.'));
  el.replaceChildren(...rules.map((r) => h('div', { class: 'rule', 'data-rule': r.name, 'data-status': r.status },
    h('div', { class: 'rule-head' }, h('strong', {}, r.name), h('span', { class: 'meta mono' }, `${r.version.slice(0, 8)} · ${r.isolation}`)),
    h('div', { class: 'meta' }, `${r.runs} runs · ${r.failures} failures · lag ${r.lag}` + (r.meanMs !== null ? ` · ${r.meanMs.toFixed(3)} ms/run` : '') + (r.lastRunAt ? ` · last ${clock(r.lastRunAt)}` : '')),
    r.strikes > 0 ? h('div', { class: 'error' }, r.disabled ? `disabled after ${r.strikes} strikes: save a new version to run it again` : `${r.strikes} strike${r.strikes > 1 ? 's' : ''} (stopped by the time or memory limit)`) : null,
    r.lastFailure ? h('a', { class: 'error', href: `#/event/${encodeURIComponent(r.lastFailure.id)}` }, `${clock(r.lastFailure.at)} ${r.lastFailure.error}`) : null)));
}

export function renderQuarantine(el, events) {
  if (events.length === 0) return el.replaceChildren(h('li', { class: 'empty' }, 'Nothing rejected.'));
  el.replaceChildren(...events.slice().reverse().map((e) => h('li', {},
    h('a', { href: `#/event/${encodeURIComponent(e.id)}` }, clock(e.time)), ' ', h('code', {}, e.data.code), ' ', `${e.data.topic}: ${e.data.reason}`)));
}
