// Behaviour triggers on the simulated clock: each fires when, and only when, its behaviour happens.
import { afterEach, describe, expect, it } from 'vitest';
import { absence, countWithin, daily, debounce, defineRule, heldFor, notFollowedBy, schedule, sequence, throttle, type TriggerSpec } from 'firstlight';
import { createTestGateway, SimulatedClock, type TestGateway } from 'firstlight/testing';

const devices = [
  { name: 'freezer/temp', room: 'kitchen', kinds: ['temperature' as const] },
  { name: 'hall/door', room: 'hall', kinds: ['contact' as const] },
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'doorbell', room: 'hall', kinds: ['button' as const] },
];
let gw: TestGateway | undefined;
afterEach(() => gw?.close());

/** A rule with one trigger that records what it reports as a `fired` event. */
function ruleWith(trigger: (record: (f: object, ctx: { emit(t: string, d: unknown): void }) => void) => TriggerSpec) {
  return defineRule({ name: 'probe', triggers: [trigger((f, ctx) => ctx.emit('probe.fired', f))] });
}
const fired = () => gw!.events({ type: 'probe.fired' }).map((e) => e.data as Record<string, unknown>);
const start = async (...specs: Parameters<typeof ruleWith>) => {
  gw = await createTestGateway({ rules: [ruleWith(specs[0])], devices });
  return gw;
};

describe('absence', () => {
  it('fires once when a device has been silent for the duration, and watches again after the next report', async () => {
    await start((record) => absence({ type: 'sensor.temperature', per: 'device', for: 30 * 60_000, run: record }));
    await gw!.fact('sensor.temperature', { device: 'freezer/temp', celsius: -18 });
    await gw!.advance('29m');
    await gw!.fact('sensor.temperature', { device: 'freezer/temp', celsius: -18 });
    await gw!.advance('29m59s');
    expect(fired()).toEqual([]);
    await gw!.advance('1s');
    expect(fired()).toEqual([expect.objectContaining({ key: 'freezer/temp', silentForMs: 30 * 60_000, lateMs: 0 })]);
    await gw!.advance('5h');
    expect(fired()).toHaveLength(1);
  });
});

describe('heldFor', () => {
  it('fires when the door stays open for 5 minutes, not when it closes before', async () => {
    await start((record) => heldFor({ type: 'sensor.contact', per: 'device', while: (e) => e.data.open, for: 5 * 60_000, run: record }));
    await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('4m');
    await gw!.fact('sensor.contact', { device: 'hall/door', open: false });
    await gw!.advance('10m');
    expect(fired()).toEqual([]);
    await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('2m');
    await gw!.fact('sensor.contact', { device: 'hall/door', open: true }); // a repeat does not restart the clock
    await gw!.advance('3m');
    expect(fired()).toEqual([expect.objectContaining({ key: 'hall/door', heldForMs: 5 * 60_000 })]);
    await gw!.advance('1h');
    expect(fired()).toHaveLength(1);
  });
});

describe('sequence', () => {
  const opened = (e: { data: { open: boolean } }) => e.data.open;
  it('fires when the door opens and motion follows within 30 s', async () => {
    await start((record) => sequence({ first: 'sensor.contact', firstWhere: opened, second: 'sensor.occupancy', within: 30_000, run: record }));
    const door = await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('20s');
    const motion = await gw!.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    expect(fired()).toEqual([expect.objectContaining({ key: 'hall', firstId: door.id, secondId: motion.id })]);
  });

  it('does not fire when the second event comes too late', async () => {
    await start((record) => sequence({ first: 'sensor.contact', firstWhere: opened, second: 'sensor.occupancy', within: 30_000, run: record }));
    await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('31s');
    await gw!.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    expect(fired()).toEqual([]);
  });

  it('notFollowedBy fires when the window passes without the second event', async () => {
    await start((record) => notFollowedBy({ first: 'sensor.contact', firstWhere: opened, second: 'sensor.occupancy', within: 30_000, run: record }));
    await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('10s');
    await gw!.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw!.advance('1m');
    expect(fired()).toEqual([]);
    const door = await gw!.fact('sensor.contact', { device: 'hall/door', open: true });
    await gw!.advance('30s');
    expect(fired()).toEqual([expect.objectContaining({ firstId: door.id })]);
  });
});

describe('countWithin', () => {
  it('fires when the doorbell is pressed 3 times within 10 s', async () => {
    await start((record) => countWithin({ type: 'button.action', count: 3, within: 10_000, run: record }));
    const press = () => gw!.fact('button.action', { device: 'doorbell', action: 'single' });
    await press();
    await gw!.advance('6s');
    await press();
    await gw!.advance('6s'); // the first press has left the window
    await press();
    expect(fired()).toEqual([]);
    await gw!.advance('1s');
    await press();
    expect(fired()).toEqual([expect.objectContaining({ count: 3 })]);
  });
});

describe('debounce and throttle', () => {
  it('debounce fires once, after the burst has been quiet for the duration', async () => {
    await start((record) => debounce({ type: 'button.action', for: 2000, run: record }));
    for (let i = 0; i < 5; i++) {
      await gw!.fact('button.action', { device: 'doorbell', action: 'single' });
      await gw!.advance('1s');
    }
    expect(fired()).toEqual([]);
    await gw!.advance('1s');
    expect(fired()).toEqual([expect.objectContaining({ count: 5 })]);
  });

  it('throttle fires on the first event and then at most once per period', async () => {
    await start((record) => throttle({ type: 'button.action', every: 10_000, run: record }));
    // Presses at 0, 3, 6, 9 and 12 s: the first fires, the next three fall in its 10 s, the fifth fires.
    for (let i = 0; i < 5; i++) {
      await gw!.fact('button.action', { device: 'doorbell', action: 'single' });
      await gw!.advance('3s');
    }
    expect(fired()).toEqual([expect.objectContaining({ dropped: 0 }), expect.objectContaining({ dropped: 3 })]);
  });
});

describe('schedules', () => {
  it('fires every day at 07:00 in the configured time zone', async () => {
    const clock = new SimulatedClock(Date.parse('2026-03-01T05:00:00Z')); // 06:00 in Berlin
    gw = await createTestGateway({
      clock,
      rules: [defineRule({ name: 'probe', triggers: [daily('07:00', { timezone: 'Europe/Berlin', run: (f, ctx) => ctx.emit('probe.fired', f) })] })],
    });
    await gw.advance('59m');
    expect(fired()).toEqual([]);
    await gw.advance('1m');
    await gw.advance('2d');
    expect(fired().map((f) => f.scheduledFor)).toEqual(['2026-03-01T06:00:00.000Z', '2026-03-02T06:00:00.000Z', '2026-03-03T06:00:00.000Z']);
  });

  it('fires an occurrence missed while the gateway was down late by default, and records a skip under ifLate: skip', async () => {
    for (const ifLate of ['fire', 'skip'] as const) {
      const { tempDir } = await import('../helpers/gateway-process.ts');
      const dir = tempDir();
      const rule = defineRule({ name: 'probe', triggers: [schedule({ cron: '0 7 * * *', timezone: 'UTC', ifLate, run: (f, ctx) => ctx.emit('probe.fired', f) })] });
      const clock = new SimulatedClock(Date.parse('2026-03-01T06:00:00Z'));
      const before = await createTestGateway({ clock, rules: [rule], dataDir: dir.path });
      await before.close();
      // Down from 06:00 to 09:00: the 07:00 occurrence fell due while the gateway was down.
      gw = await createTestGateway({ clock: new SimulatedClock(Date.parse('2026-03-01T09:00:00Z')), rules: [rule], dataDir: dir.path });
      if (ifLate === 'fire') expect(fired()).toEqual([expect.objectContaining({ scheduledFor: '2026-03-01T07:00:00.000Z', lateMs: 2 * 3_600_000 })]);
      else {
        expect(fired()).toEqual([]);
        expect(gw.events({ type: 'trigger.skipped' }).map((e) => e.data)).toEqual([{ rule: 'probe', trigger: 'schedule 0 7 * * *', key: '', lateMs: 2 * 3_600_000 }]);
      }
      await gw.advance('1d');
      expect(fired().at(-1)).toMatchObject({ scheduledFor: '2026-03-02T07:00:00.000Z', lateMs: 0 });
      await gw.close();
      gw = undefined;
      dir.remove();
    }
  });
});
