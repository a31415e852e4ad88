// The wall clock steps back and forth (no RTC, then NTP): no timer fires twice, and retention does
// not purge recent data. Timers are taken out of the timers table in the transaction that logs
// timer.fired, which is what makes "twice" impossible; this test holds it to that.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createTestGateway, type TestGateway } from 'firstlight/testing';
import { createPruner } from '../../gateway/log/retention.ts';
import { startRetentionJob } from '../../gateway/log/retention-job.ts';
import { JumpingClock } from '../helpers/jumping-clock.ts';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const DAY = 86_400_000;
const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
];
let gw: TestGateway | undefined;
afterEach(async () => gw?.close());

async function presence(g: TestGateway): Promise<void> {
  await g.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
  await g.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
}

describe('wall-clock jumps', () => {
  it('fire no timer twice, whichever way the clock steps', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 0, 1, 8));
    gw = await createTestGateway({ rules: RULES, devices, clock });
    // Back a day in the middle of the 10-minute vacancy delay; then forward a year; then back again.
    await presence(gw);
    await gw.advance('4m');
    clock.jump(-DAY);
    await gw.advance('1h');
    await gw.advance(DAY);
    await presence(gw);
    await gw.advance('1m');
    clock.jump(365 * DAY);
    await gw.advance('1s');
    await gw.advance('20m');
    clock.jump(-365 * DAY);
    await presence(gw);
    await gw.advance('1h');

    const fired = gw.events({ type: 'timer.fired' });
    const settings = fired.map((e) => `${(e.data as { rule: string }).rule}/${e.causationid}`);
    expect(new Set(settings).size).toBe(settings.length);
    expect(gw.events({ type: 'room.vacated' })).toHaveLength(3);
    expect(gw.events({ type: 'room.entered' })).toHaveLength(3);
    // Positions order the log, whatever the timestamps say.
    const seqs = gw.events().map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('purge no recent data when the clock jumps a year ahead', async () => {
    const clock = new JumpingClock(Date.UTC(2026, 0, 1, 8));
    gw = await createTestGateway({ rules: RULES, devices, clock });
    for (let i = 0; i < 30; i++) {
      await presence(gw);
      await gw.advance('1h');
    }
    const before = gw.events().length;
    const refusals: unknown[] = [];
    const job = startRetentionJob({
      pruner: createPruner(gw.core.db, gw.core.events, { maxAge: 30 * DAY, maxBytes: 1 << 30, types: {} }, () => Number.MAX_SAFE_INTEGER),
      clock,
      monotonic: () => clock.monotonic(),
      intervalMs: 3_600_000,
      firstRunMs: 1_000_000 * DAY,
      maxDeleteFraction: 0.1,
      log: { info() {}, warn() {} },
      refused: (r) => refusals.push(r),
    });
    clock.jump(365 * DAY);
    expect(await job.run()).toMatchObject({ deleted: 0, refused: expect.stringMatching(/wall clock moved/) });
    // Still a year ahead at the next run: no jump since the last run, but it would delete everything.
    await gw.advance('1h');
    expect(await job.run()).toMatchObject({ deleted: 0, refused: expect.stringMatching(/more than 10%/) });
    expect(gw.events().length).toBeGreaterThanOrEqual(before);
    expect(refusals).toHaveLength(2);
    job.stop();
  });
});
