// The HTTP API of a running gateway fed by real MQTT: events with filters and paging, lineage,
// streams, devices, rooms, rules, quarantine, health, metrics, and what a browser may not do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';
import { startZ2mHome, type Z2mHome } from '../helpers/z2m-home.ts';

const data = tempDir();
let gateway: GatewayProcess;
let z2m: Z2mHome;
let other: MqttClient;

async function get(path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(gateway.httpUrl + path, init);
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: type.includes('json') ? JSON.parse(text) : text };
}

const cloudEvent = (id: string, type: string, partitionkey?: string) =>
  JSON.stringify({ specversion: '1.0', id, source: '/tests', type, partitionkey, data: { id } });

beforeAll(async () => {
  gateway = await startGatewayProcess({ data: data.path });
  z2m = await startZ2mHome(gateway.url);
  const answered = z2m.nextAnswer('hall/ceiling');
  await z2m.motion('hall/motion', true);
  await answered;
  other = await connect(gateway.url);
  await other.publishAsync('zigbee2mqtt/kitchen/door', '{"contact": tru', { qos: 1 });
  for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) await other.publishAsync('cloudevents/t', cloudEvent(id, 'test.paged', 'attic'), { qos: 1 });
});
afterAll(async () => {
  await other?.endAsync();
  await z2m?.close();
  await gateway?.stop();
  data.remove();
});

describe('the HTTP API', () => {
  it('logs its URL at start, on the ephemeral port it was given', () => {
    expect(gateway.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.httpUrl).not.toMatch(/:8080$/);
  });

  it('lists events with filters, newest page first, and pages by log position both ways', async () => {
    const newest = await get('/api/events?type=test.paged&limit=2');
    expect(newest.status).toBe(200);
    expect(newest.body.events.map((e: any) => e.id)).toEqual(['p4', 'p5']);
    expect(newest.body.events[0]).toMatchObject({ specversion: '1.0', type: 'test.paged', partitionkey: 'attic', data: { id: 'p4' } });
    const older = await get(newest.body.prev);
    expect(older.body.events.map((e: any) => e.id)).toEqual(['p2', 'p3']);
    const newer = await get(older.body.next);
    expect(newer.body.events.map((e: any) => e.id)).toEqual(['p4', 'p5']);
    const tail = await get(newer.body.next);
    expect(tail.body.events).toEqual([]);
    expect((await get('/api/events?type=room.*')).body.events.map((e: any) => e.type)).toEqual(['room.entered']);
    expect((await get('/api/events?key=attic&source=/tests&limit=1&after=0')).body.events.map((e: any) => e.id)).toEqual(['p1']);
  });

  it('refuses malformed filters with a 400 and a stable code', async () => {
    for (const q of ['limit=0', 'limit=5000', 'after=-1', 'since=yesterday-ish', 'type=*.x']) {
      const r = await get(`/api/events?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('FL_ERR_HTTP_BAD_REQUEST');
    }
  });

  it('gives one event with its causes and its effects', async () => {
    const command = (await get('/api/events?type=command.light')).body.events[0];
    const r = await get(`/api/events/${command.id}`);
    expect(r.status).toBe(200);
    expect(r.body.causes.map((n: any) => n.event.type)).toEqual(['sensor.occupancy', 'room.entered']);
    expect(r.body.causes[1].rule).toMatchObject({ name: 'room-presence' });
    expect(r.body.outcome.status).toBe('confirmed');
    const fact = r.body.causes[0].event;
    const forward = await get(`/api/events/${fact.id}`);
    expect(forward.body.effects[0].event.type).toBe('room.entered');
    expect(forward.body.effects[0].effects[0].event.id).toBe(command.id);
    const missing = await get('/api/events/no-such-event');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('FL_ERR_NOT_FOUND');
  });

  it('answers why, for a device, a room or an event', async () => {
    const r = await get(`/api/why/${encodeURIComponent('hall/ceiling')}`);
    expect(r.status).toBe(200);
    expect(r.body.sentence).toMatch(/^hall\/ceiling is on because hall\/motion reported presence at .*, the light confirmed at /);
    expect((await get('/api/why/hall')).body.occupancy.occupied).toBe(true);
    expect((await get('/api/why/nowhere')).status).toBe(404);
  });

  it('lists the streams and the events of one', async () => {
    expect((await get('/api/streams')).body.streams).toEqual(expect.arrayContaining(['attic', 'hall', 'kitchen']));
    const hall = await get('/api/streams/hall?type=sensor.occupancy');
    expect(hall.body.events.map((e: any) => e.data)).toEqual([{ device: 'hall/motion', occupied: true }]);
  });

  it('shows devices with last seen, battery, link quality and state', async () => {
    const { devices } = (await get('/api/devices')).body;
    const byName = new Map(devices.map((d: any) => [d.name, d]));
    expect(byName.get('hall/motion')).toMatchObject({ room: 'hall', battery: 97, linkquality: 80, silent: false });
    expect(Date.parse((byName.get('hall/motion') as any).lastSeen)).toBeGreaterThan(Date.now() - 60_000);
    expect(byName.get('hall/ceiling')).toMatchObject({ state: { on: true }, lastCommand: { state: 'ON' }, linkquality: 120 });
    expect(byName.get('bedside_button')).toMatchObject({ lastSeen: null, silent: true });
    expect((await get(`/api/devices/${encodeURIComponent('hall/motion')}`)).body.name).toBe('hall/motion');
  });

  it('shows rooms with occupancy and their lights', async () => {
    const { rooms } = (await get('/api/rooms')).body;
    expect(rooms.find((r: any) => r.room === 'hall')).toMatchObject({
      occupied: true,
      lights: [{ device: 'hall/ceiling', on: true, commanded: 'ON', pending: false }],
    });
    expect(rooms.find((r: any) => r.room === 'kitchen')).toMatchObject({ occupied: null, lights: [] });
  });

  it('shows rules with version, lag, runs, failures and time spent', async () => {
    const { rules } = (await get('/api/rules')).body;
    const presence = rules.find((r: any) => r.name === 'room-presence');
    expect(presence).toMatchObject({ lag: 0, failures: 0, lastError: null, status: 'ok', isolation: 'inline', strikes: 0, disabled: false });
    expect(presence.version).toMatch(/^[0-9a-f]{12}$/);
    expect(presence.runs).toBeGreaterThanOrEqual(1);
    expect(presence.busyMs).toBeGreaterThan(0);
  });

  it('lists quarantined input with its reason, and counts by reason', async () => {
    const r = await get('/api/quarantine');
    expect(r.body.events).toHaveLength(1);
    expect(r.body.events[0].data).toMatchObject({ topic: 'zigbee2mqtt/kitchen/door', code: 'bad_json', payload: '{"contact": tru' });
    expect(r.body.counts).toEqual({ bad_json: 1 });
  });

  it('reports health: storage, disk, event loop and rules', async () => {
    const r = await get('/health');
    expect(r.status).toBe(200);
    expect(r.body.checks.storage).toMatchObject({ status: 'ok', commitFailures: 0 });
    expect(r.body.checks.storage.walBytes).toBeGreaterThanOrEqual(0);
    expect(r.body.checks.storage.lastFsyncMs).toBeGreaterThan(0);
    expect(r.body.checks.disk.freeBytes).toBeGreaterThan(0);
    expect(r.body.checks.eventLoop.p99Ms).toBeGreaterThanOrEqual(0);
    expect(r.body.checks.rules.rules.map((x: any) => x.name)).toContain('lights-follow-presence');
    expect(r.body.head).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics: events in, quarantined, rule runs, commands sent and confirmed, latencies', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(r.body)?.[1]);
    expect(value('firstlight_events_in_total')).toBeGreaterThan(5);
    expect(value('firstlight_input_rejected_total{code="bad_json"}')).toBe(1);
    expect(value('firstlight_rule_runs_total{rule="lights-follow-presence"}')).toBeGreaterThanOrEqual(1);
    expect(value('firstlight_commands_sent_total')).toBe(1);
    expect(value('firstlight_commands_confirmed_total')).toBe(1);
    expect(value('firstlight_reaction_seconds_count')).toBe(1);
    expect(value('firstlight_confirmation_seconds_count')).toBe(1);
    expect(value('firstlight_log_commit_seconds_count')).toBeGreaterThan(0);
    // storage.synchronous FULL (the default): commits made durable by fsyncs off the event loop.
    expect(value('firstlight_log_fsync_seconds_count')).toBeGreaterThan(0);
    expect(r.body).toMatch(/^process_cpu_seconds_total /m);
    expect(r.body).toMatch(/^nodejs_heap_size_used_bytes /m);
    // The event loop's delay, from health's window: a figure in seconds, not NaN.
    expect(value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('sends no CORS headers and takes no other method than GET and HEAD', async () => {
    const preflight = await get('/api/events', { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const cross = await get('/api/events', { headers: { origin: 'http://evil.example' } });
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    const post = await get('/api/events', { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.body.error.code).toBe('FL_ERR_HTTP_METHOD');
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses requests that name another host (DNS rebinding) on a loopback server', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(gateway.httpUrl);
      request({ host: url.hostname, port: url.port, path: '/api/events', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(421);
  });
});
