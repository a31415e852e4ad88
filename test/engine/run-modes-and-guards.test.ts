// Run modes per key (restart, ignore, queue), and the guards against cascades and emit storms.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule, type RunMode } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const devices = [
  { name: 'hall/button', room: 'hall', kinds: ['button' as const] },
  { name: 'kitchen/button', room: 'kitchen', kinds: ['button' as const] },
];
let gw: TestGateway | undefined;
afterEach(() => gw?.close());

/** Pressing a button starts a run: "on" now, "off" 5 minutes later (a pending timer = a pending run). */
const stairLight = (runMode: RunMode) =>
  defineRule({
    name: 'stair-light',
    runMode,
    on: {
      'button.action'(event, ctx) {
        ctx.emit('stair.on', { by: event.data.action });
        ctx.timers.set('off', 5 * 60_000, { by: event.data.action });
      },
    },
    timers: { off: (timer, ctx) => ctx.emit('stair.off', timer.data) },
  });

const timeline = () => gw!.events({ type: 'stair.*' }).map((e) => `${e.time.slice(11, 16)} ${e.type} ${(e.data as { by: string }).by} ${e.partitionkey}`);
const press = (action: string, device = 'hall/button') => gw!.fact('button.action', { device, action });

describe('run modes', () => {
  it('restart: a new trigger cancels the pending run and starts over', async () => {
    gw = await createTestGateway({ rules: [stairLight('restart')], devices });
    await press('a');
    await gw.advance('3m');
    await press('b');
    await gw.advance('10m');
    expect(timeline()).toEqual(['08:00 stair.on a hall', '08:03 stair.on b hall', '08:08 stair.off b hall']);
  });

  it('ignore: a trigger while a run is pending is dropped', async () => {
    gw = await createTestGateway({ rules: [stairLight('ignore')], devices });
    await press('a');
    await gw.advance('3m');
    await press('b');
    await gw.advance('10m');
    expect(timeline()).toEqual(['08:00 stair.on a hall', '08:05 stair.off a hall']);
    expect(gw.core.engine.stats().get('stair-light')!.ignored).toBe(1);
  });

  it('queue: a trigger while a run is pending runs when that run ends', async () => {
    gw = await createTestGateway({ rules: [stairLight('queue')], devices });
    await press('a');
    await gw.advance('3m');
    await press('b');
    await gw.advance('10m');
    expect(timeline()).toEqual(['08:00 stair.on a hall', '08:05 stair.off a hall', '08:05 stair.on b hall', '08:10 stair.off b hall']);
  });

  it('applies per key: a run pending in the hall does not hold up the kitchen', async () => {
    gw = await createTestGateway({ rules: [stairLight('ignore')], devices });
    await press('a');
    await press('k', 'kitchen/button');
    expect(timeline()).toEqual(['08:00 stair.on a hall', '08:00 stair.on k kitchen']);
  });

  it('parallel (the default) lets runs overlap', async () => {
    gw = await createTestGateway({ rules: [stairLight('parallel')], devices });
    await press('a');
    await press('b');
    expect(timeline()).toEqual(['08:00 stair.on a hall', '08:00 stair.on b hall']);
  });
});

describe('guards', () => {
  it('stops a rule that reacts to its own events after 8 levels, records it, and keeps serving', async () => {
    const echo = defineRule({
      name: 'echo',
      on: {
        'button.action'(event, ctx) {
          ctx.emit('echo.ping', { n: 0 });
        },
        'echo.ping'(event, ctx) {
          ctx.emit('echo.ping', { n: (event.data as { n: number }).n + 1 });
        },
      },
    });
    gw = await createTestGateway({ rules: [echo], devices });
    await press('a');
    expect(gw.events({ type: 'echo.ping' })).toHaveLength(8);
    expect(gw.events({ type: 'rule.failed' }).map((e) => (e.data as { error: string }).error)).toEqual([expect.stringContaining('cascade deeper than 8')]);
    await press('b');
    expect(gw.events({ type: 'echo.ping' })).toHaveLength(16);
  });

  it('drops the outputs of a rule emitting past its rate, flags it, and records one failure per second', async () => {
    const chatty = defineRule({
      name: 'chatty',
      limits: { emitsPerSecond: 3 },
      on: { 'button.action': (_e, ctx) => ctx.emit('chatty.said', {}) },
    });
    gw = await createTestGateway({ rules: [chatty], devices });
    for (let i = 0; i < 20; i++) await press(String(i));
    expect(gw.events({ type: 'chatty.said' })).toHaveLength(3);
    expect(gw.events({ type: 'rule.failed' })).toHaveLength(1);
    expect(gw.core.engine.stats().get('chatty')).toMatchObject({ flagged: true, failures: 17 });
    await gw.advance('1s');
    await press('later');
    expect(gw.events({ type: 'chatty.said' })).toHaveLength(4);
  });
});
