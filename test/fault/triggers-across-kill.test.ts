// Pending behaviour timers survive SIGKILL: after a restart each fires exactly once, on time or late.
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';

const RULES = fileURLToPath(new URL('../fixtures/trigger-rules/', import.meta.url));
const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

const facts = [
  { type: 'sensor.temperature', partitionkey: 'kitchen', data: { device: 'freezer', celsius: -18 } },
  { type: 'sensor.contact', partitionkey: 'hall', data: { device: 'front-door', open: true } },
  { type: 'button.action', partitionkey: 'hall', data: { device: 'doorbell', action: 'single' } },
];

interface Fired {
  kind: string;
  lateMs: number;
  time: number;
}

/** Waits (by reading the log) until `n` watch.fired events are there; bounded. */
async function firedEvents(file: string, n: number): Promise<Fired[]> {
  for (let i = 0; i < 200; i++) {
    const db = new Database(file, { readonly: true });
    const rows = db.prepare("SELECT time, data FROM events WHERE type = 'watch.fired' ORDER BY seq").all() as Array<{ time: string; data: string }>;
    db.close();
    if (rows.length >= n) return rows.map((r) => ({ ...(JSON.parse(r.data) as Fired), time: Date.parse(r.time) }));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${n} watch.fired events appeared`);
}

async function scenario(downMs: number): Promise<{ fired: Fired[]; startedAt: number }> {
  const data = tempDir();
  dirs.push(data);
  const first = await startGatewayProcess({ data: data.path, rules: RULES, extra: ['--site', 'kill'] });
  const client = await connect(first.url);
  const startedAt = Date.now();
  for (const [i, f] of facts.entries()) {
    await client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id: `f${i}`, source: '/t', ...f }), { qos: 1 });
  }
  await client.endAsync();
  first.proc.kill('SIGKILL');
  await first.stop();
  if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs)); // the gateway is down on purpose
  const second = await startGatewayProcess({ data: data.path, rules: RULES, extra: ['--site', 'kill'] });
  const fired = await firedEvents(join(data.path, 'firstlight.db'), 3);
  // Long enough after the last due time that a second firing would have shown up.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const all = await firedEvents(join(data.path, 'firstlight.db'), 3);
  expect(await second.stop()).toBe(0);
  expect(all).toHaveLength(fired.length);
  return { fired: all, startedAt };
}

describe('behaviour timers across SIGKILL', () => {
  it('fire exactly once, and not early, after an immediate restart', async () => {
    const { fired, startedAt } = await scenario(0);
    expect(fired.map((f) => f.kind).sort()).toEqual(['absence', 'heldFor', 'notFollowedBy']);
    // Never early; how late depends on how long the restart took on this machine.
    for (const f of fired) expect(f.time - startedAt).toBeGreaterThanOrEqual(1500);
  });

  it('fire exactly once, late, when they fell due while the gateway was down', async () => {
    const { fired } = await scenario(2500);
    expect(fired.map((f) => f.kind).sort()).toEqual(['absence', 'heldFor', 'notFollowedBy']);
    for (const f of fired) expect(f.lateMs).toBeGreaterThan(500);
  });
});
