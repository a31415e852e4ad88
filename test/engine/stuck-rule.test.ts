// A rule stuck in a loop is stopped by the time limit, struck, and disabled after three strikes;
// the other rules and ingest go on.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const devices = [{ name: 'hall/button', room: 'hall', kinds: ['button' as const] }];
let gw: TestGateway | undefined;
afterEach(() => gw?.close());

const looping = defineRule({
  name: 'looping',
  on: {
    'button.action'(event, ctx) {
      if (event.data.action === 'hold') for (;;) {} // a bug: never returns
      ctx.emit('looping.ok', {});
    },
  },
});
const healthy = defineRule({ name: 'healthy', on: { 'button.action': (e, ctx) => ctx.emit('healthy.saw', { action: e.data.action }) } });

describe('a rule stuck in a loop', () => {
  it('is stopped, its event skipped and recorded, and the other rules still react to that event', async () => {
    gw = await createTestGateway({ rules: [looping, healthy], devices, ruleTimeLimit: 200 });
    const held = await gw.fact('button.action', { device: 'hall/button', action: 'hold' });
    expect(held).toBeDefined();
    expect(gw.events({ type: 'healthy.saw' }).map((e) => e.data)).toEqual([{ action: 'hold' }]);
    expect(gw.events({ type: 'rule.failed' })).toMatchObject([
      { causationid: held.id, data: { rule: 'looping', error: expect.stringContaining('ran longer than the 200 ms time limit') } },
    ]);
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    expect(gw.events({ type: 'looping.ok' })).toHaveLength(1);
    expect(gw.core.engine.stats().get('looping')).toMatchObject({ strikes: 1, disabled: false });
  });

  it('is disabled after three strikes', async () => {
    gw = await createTestGateway({ rules: [looping, healthy], devices, ruleTimeLimit: 100 });
    for (let i = 0; i < 3; i++) await gw.fact('button.action', { device: 'hall/button', action: 'hold' });
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    expect(gw.core.engine.stats().get('looping')).toMatchObject({ strikes: 3, disabled: true });
    expect(gw.events({ type: 'looping.ok' })).toEqual([]);
    expect(gw.events({ type: 'healthy.saw' })).toHaveLength(4);
  });
});
