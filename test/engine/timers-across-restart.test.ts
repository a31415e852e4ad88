// Persisted timers: a restart in the middle of the vacancy delay neither loses nor repeats "vacated".
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createTestGateway, SimulatedClock, type TestGateway } from 'firstlight/testing';
import { tempDir } from '../helpers/gateway-process.ts';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
];
const open: TestGateway[] = [];
const dirs: Array<{ remove(): void }> = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
  for (const d of dirs.splice(0)) d.remove();
});

async function gateway(dataDir: string, clock: SimulatedClock): Promise<TestGateway> {
  const g = await createTestGateway({ rules: RULES, devices, dataDir, clock });
  open.push(g);
  return g;
}

describe('the vacancy timer across a restart', () => {
  it('fires once after a clean restart in the middle of the delay', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const gw = await gateway(dir.path, new SimulatedClock());
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('4m');
    await gw.restart();
    await gw.advance('5m59s');
    expect(gw.events({ type: 'room.vacated' })).toHaveLength(0);
    await gw.advance('1s');
    await gw.advance('1h');
    expect(gw.events({ type: 'room.vacated' })).toHaveLength(1);
    expect(gw.sent.map((m) => m.payload)).toEqual(['{"state":"ON"}', '{"state":"OFF"}']);
  });

  it('fires late, once, when it fell due while the gateway was down, and records how late', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new SimulatedClock();
    const before = await gateway(dir.path, clock);
    await before.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await before.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await before.advance('4m');
    // The first process is abandoned without a clean stop (as after a crash or power cut); the
    // second starts 11 minutes later on the same log, 5 minutes after the timer was due.
    const after = await gateway(dir.path, new SimulatedClock(clock.now() + 11 * 60_000));
    const fired = after.events({ type: 'timer.fired' });
    expect(fired).toHaveLength(1);
    expect(fired[0]!.data).toMatchObject({ rule: 'room-presence', name: 'vacancy', key: 'hall', lateMs: 5 * 60_000 });
    expect(after.events({ type: 'room.vacated' })).toHaveLength(1);
    await after.advance('1h');
    expect(after.events({ type: 'room.vacated' })).toHaveLength(1);
  });
});
