// The dashboard's controller: loads the building from the API, follows the live feed (fetch-streamed
// server-sent events, so a bearer token can be sent), applies each event to the room board, and opens
// lineage on #/event/<id> and #/why/<target>. Rendering is batched: a busy gateway sends thousands of
// events a second and the page redraws a few times a second.
import { renderEvent, renderWhy, titleFor } from './lineage.js';
import { eventItem, h, renderDevices, renderQuarantine, renderRooms, renderRules } from './views.js';

const $ = (id) => document.getElementById(id);
const MAX_EVENTS = 200;
const state = { rooms: [], devices: [], events: [], lastSeq: undefined, arrivals: [], paused: false, filter: { type: '', key: '' } };
let token = localStorage.getItem('firstlight.token') ?? '';

// ---- API ------------------------------------------------------------------------------------------

let asking;
function askToken() {
  asking ??= new Promise((resolve) => {
    const dialog = $('token-dialog');
    $('token-form').addEventListener('submit', () => {
      token = new FormData($('token-form')).get('token').trim();
      localStorage.setItem('firstlight.token', token);
      asking = undefined;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return asking;
}

const headers = (extra = {}) => (token ? { ...extra, authorization: `Bearer ${token}` } : extra);

async function api(path) {
  const res = await fetch(path, { headers: headers() });
  if (res.status === 401) {
    await askToken();
    return api(path);
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error?.message ?? res.statusText);
  return body;
}

// ---- Rendering, batched -----------------------------------------------------------------------------

const dirty = new Set();
let frame;
function redraw(...panels) {
  for (const p of panels) dirty.add(p);
  frame ??= setTimeout(() => requestAnimationFrame(flush), 150);
}
function flush() {
  frame = undefined;
  if (dirty.has('rooms')) renderRooms($('rooms'), state.rooms);
  if (dirty.has('devices')) renderDevices($('device-rows'), state.devices);
  if (dirty.has('events')) renderEvents();
  dirty.clear();
  const now = Date.now();
  state.arrivals = state.arrivals.filter((t) => now - t < 5000);
  $('rate').textContent = state.arrivals.length ? ` · ${Math.round(state.arrivals.length / 5)}/s` : '';
}

function shown(e) {
  const { type, key } = state.filter;
  if (key && e.partitionkey !== key) return false;
  if (!type) return true;
  return type.endsWith('*') ? e.type.startsWith(type.slice(0, -1)) : e.type === type;
}
function renderEvents() {
  $('event-list').replaceChildren(...state.events.filter((e) => e.gap || shown(e)).slice(-MAX_EVENTS).reverse()
    .map((e) => (e.gap ? h('li', { class: 'gap' }, e.gap) : eventItem(e))));
}

// ---- The live feed -----------------------------------------------------------------------------------

function setStatus(s, text = s) {
  $('status').dataset.state = s;
  $('status-text').textContent = text;
}

function findLight(device) {
  for (const r of state.rooms) for (const l of r.lights) if (l.device === device) return l;
  return undefined;
}

function onEvent(e) {
  state.arrivals.push(Date.now());
  if (!state.paused) {
    state.events.push(e);
    if (state.events.length > MAX_EVENTS * 5) state.events.splice(0, state.events.length - MAX_EVENTS * 2);
    redraw('events');
  }
  const d = e.data ?? {};
  if (e.type === 'room.entered' || e.type === 'room.vacated') {
    const r = state.rooms.find((x) => x.room === d.room);
    if (r) Object.assign(r, { occupied: e.type === 'room.entered', since: e.time, changeId: e.id });
    redraw('rooms');
  } else if (e.type === 'light.state' || e.type === 'switch.state' || e.type === 'command.light') {
    const l = findLight(d.device);
    if (l && e.type === 'command.light') Object.assign(l, { commanded: d.state, pending: true });
    else if (l) Object.assign(l, { on: d.on, at: e.time, pending: false });
    redraw('rooms');
  }
  if (e.type === 'device.discovered') later(loadBuilding, 1000);
  else if (e.subject && state.devices.some((x) => x.name === e.subject)) later(loadDevices, 2000);
  if (e.type === 'input.rejected') later(loadQuarantine, 1000);
  if (e.type === 'rule.failed') later(loadRules, 1000);
  if (location.hash.startsWith('#/why/') && /^(room\.|light\.|switch\.|command\.)/.test(e.type)) later(route, 800);
}

function onBlock(block) {
  let event = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const c = line.indexOf(':');
    const field = c === -1 ? line : line.slice(0, c);
    const value = c === -1 ? '' : line.slice(c + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data += (data ? '\n' : '') + value;
    else if (field === 'id') state.lastSeq = Number(value);
  }
  if (event === 'event') onEvent(JSON.parse(data));
  else if (event === 'gap') {
    const g = JSON.parse(data);
    state.events.push({ gap: `skipped ${g.count} events (#${g.from}–#${g.to}) while this page fell behind; they are in the log` });
    later(loadBuilding, 500);
  }
}

async function follow() {
  for (let attempt = 0; ; attempt++) {
    try {
      const extra = state.lastSeq !== undefined ? { 'last-event-id': String(state.lastSeq) } : {};
      const res = await fetch('/api/feed', { headers: headers({ accept: 'text/event-stream', ...extra }) });
      if (res.status === 401) {
        await askToken();
        continue;
      }
      if (!res.ok || !res.body) throw new Error(res.statusText);
      setStatus('live');
      attempt = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let i = buffer.indexOf('\n\n'); i !== -1; i = buffer.indexOf('\n\n')) {
          onBlock(buffer.slice(0, i));
          buffer = buffer.slice(i + 2);
        }
      }
    } catch {
      // Reconnect below.
    }
    setStatus('down', 'reconnecting');
    await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
  }
}

// ---- Loading and refreshing -------------------------------------------------------------------------

const timers = new Map();
function later(fn, ms) {
  if (timers.has(fn)) return;
  timers.set(fn, setTimeout(() => {
    timers.delete(fn);
    fn().catch?.(() => {});
  }, ms));
}

async function loadDevices() {
  state.devices = (await api('/api/devices')).devices;
  redraw('devices');
}
async function loadBuilding() {
  state.rooms = (await api('/api/rooms')).rooms;
  redraw('rooms');
  await loadDevices();
}
async function loadRules() {
  renderRules($('rule-list'), (await api('/api/rules')).rules);
}
async function loadQuarantine() {
  renderQuarantine($('quarantine-list'), (await api('/api/quarantine?limit=15')).events);
}

async function route() {
  const m = /^#\/(event|why)\/(.+)$/.exec(location.hash);
  const aside = $('lineage');
  if (!m) {
    aside.hidden = true;
    return;
  }
  aside.hidden = false;
  const target = decodeURIComponent(m[2]);
  try {
    const x = await api(`/api/${m[1] === 'event' ? 'events' : 'why'}/${encodeURIComponent(target)}`);
    $('lineage-title').textContent = titleFor(x);
    (m[1] === 'event' ? renderEvent : renderWhy)($('lineage-body'), x);
  } catch (err) {
    $('lineage-title').textContent = 'Lineage';
    $('lineage-body').replaceChildren(h('p', { class: 'empty' }, String(err.message ?? err)));
  }
}

async function start() {
  $('filters').addEventListener('input', (ev) => {
    const f = new FormData($('filters'));
    state.filter = { type: String(f.get('type') ?? '').trim(), key: String(f.get('key') ?? '').trim() };
    state.paused = f.get('pause') === 'on';
    if (ev.target.name !== 'pause') redraw('events');
  });
  $('event-list').addEventListener('click', (ev) => {
    const li = ev.target.closest('.ev');
    if (li) location.hash = `#/event/${encodeURIComponent(li.dataset.id)}`;
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !$('lineage').hidden) location.hash = '';
  });
  window.addEventListener('hashchange', route);

  const health = await api('/health');
  $('site').textContent = health.site;
  const recent = await api('/api/events?limit=50');
  state.events = recent.events;
  state.lastSeq = recent.head;
  redraw('events');
  await Promise.all([loadBuilding(), loadRules(), loadQuarantine()]);
  void follow();
  void route();
  setInterval(() => void loadBuilding().catch(() => {}), 30_000);
  setInterval(() => void loadRules().catch(() => {}), 10_000);
  setInterval(() => redraw('devices'), 15_000);
}

start().catch((err) => setStatus('down', String(err.message ?? err)));
