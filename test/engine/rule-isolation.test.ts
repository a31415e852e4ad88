// A failing rule is isolated: its failure is an event, its outputs are dropped, the others go on.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

let gw: TestGateway | undefined;
afterEach(() => gw?.close());

const thrower = defineRule({
  name: 'thrower',
  on: {
    'sensor.occupancy'(event, ctx) {
      ctx.state.set({ touched: true });
      ctx.emit('room.entered', { room: 'nowhere' });
      throw new Error(`cannot handle ${event.data.device}`);
    },
  },
});

const counter = defineRule({
  name: 'counter',
  on: {
    'sensor.occupancy'(_event, ctx) {
      const n = (ctx.state.get<number>() ?? 0) + 1;
      ctx.state.set(n);
      ctx.emit('count.updated', { n });
    },
  },
});

const invalid = defineRule({
  name: 'invalid-output',
  on: {
    'sensor.occupancy'(_event, ctx) {
      ctx.emit('room.entered', { room: '' });
    },
  },
});

const asynchronous = defineRule({
  name: 'asynchronous',
  on: {
    async 'sensor.occupancy'() {},
  },
});

const devices = [{ name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] }];

describe('rule isolation', () => {
  it('records a throwing rule as rule.failed, drops its outputs, and runs the other rules', async () => {
    gw = await createTestGateway({ rules: [thrower, counter], devices });
    const first = await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });

    expect(gw.events({ type: 'count.updated' }).map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    const failures = gw.events({ type: 'rule.failed' });
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      causationid: first.id,
      partitionkey: 'hall',
      data: { rule: 'thrower', eventId: first.id, eventType: 'sensor.occupancy', error: 'cannot handle hall/motion' },
    });
    // Nothing the thrower did before throwing was kept.
    expect(gw.events({ type: 'room.entered' })).toEqual([]);
    expect(gw.core.ruleStore.getState('thrower', 'hall')).toBeUndefined();
    // It still moved past both events: a failing rule does not block its own stream.
    expect(gw.core.engine.stats().get('thrower')).toMatchObject({ runs: 2, failures: 2, position: gw.core.events.head() });
  });

  it('rejects invalid output data and asynchronous handlers as failures', async () => {
    gw = await createTestGateway({ rules: [invalid, asynchronous], devices });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    const errors = gw.events({ type: 'rule.failed' }).map((e) => (e.data as { rule: string; error: string }));
    expect(errors).toEqual([
      { rule: 'invalid-output', error: expect.stringContaining('emitted room.entered with invalid data: room:'), eventId: expect.any(String), eventType: 'sensor.occupancy', version: 'test' },
      { rule: 'asynchronous', error: expect.stringContaining('handlers must be synchronous'), eventId: expect.any(String), eventType: 'sensor.occupancy', version: 'test' },
    ]);
  });
});
