// Rules isolated in a worker (the default for rule files): they work as inline rules do, and one that
// exhausts its memory, loops or exits is stopped and struck while the gateway and other rules go on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from 'firstlight/testing';
import { rulesProject, type RulesProject } from '../helpers/rules-project.ts';

const devices = [
  { name: 'hall/button', room: 'hall', kinds: ['button' as const] },
  { name: 'hall/light', room: 'hall', kinds: ['light' as const] },
];

let project: RulesProject;
let gw: TestGateway | undefined;
beforeEach(() => {
  project = rulesProject();
});
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  project.cleanup();
});

const HEALTHY = `
import { defineRule } from 'firstlight';
export default defineRule({
  name: 'healthy',
  on: { 'button.action': (e, ctx) => ctx.emit('healthy.saw', { action: e.data.action }) },
});
`;

/** A rule whose "hold" handler misbehaves in the way given; other actions behave. */
const misbehaving = (body: string): string => `
import { defineRule } from 'firstlight';
export default defineRule({
  name: 'misbehaving',
  on: {
    'button.action'(event, ctx) {
      if (event.data.action === 'hold') { ${body} }
      ctx.emit('misbehaving.ok', { action: event.data.action });
    },
  },
});
`;

async function start(extra: Partial<Parameters<typeof createTestGateway>[0]> = {}): Promise<TestGateway> {
  gw = await createTestGateway({ rules: project.rules, devices, isolation: 'worker', ...extra });
  return gw;
}

describe('a rule isolated in a worker', () => {
  it('keeps state, sets timers, reads devices and commands lights, all committed with its position', async () => {
    project.write(
      'counter.ts',
      `
import { defineRule } from 'firstlight';
export default defineRule({
  name: 'counter',
  on: {
    'button.action'(event, ctx) {
      const n = (ctx.state.get<number>() ?? 0) + 1;
      ctx.state.set(n);
      for (const light of ctx.devices.inRoom(ctx.key, 'light')) ctx.command(light.name, { state: 'ON' });
      ctx.timers.set('off', 60_000, { n });
      ctx.emit('counter.counted', { n, room: ctx.devices.get(event.data.device)?.room });
    },
  },
  timers: {
    off(timer, ctx) {
      ctx.command('hall/light', { state: 'OFF' });
      ctx.emit('counter.off', timer.data);
    },
  },
});
`,
    );
    const gw = await start();
    expect(gw.core.engine.stats().has('counter')).toBe(true);
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    await gw.fact('button.action', { device: 'hall/button', action: 'double' });
    expect(gw.events({ type: 'counter.counted' }).map((e) => e.data)).toEqual([
      { n: 1, room: 'hall' },
      { n: 2, room: 'hall' },
    ]);
    expect(gw.sent.map((m) => m.payload.toString())).toEqual(['{"state":"ON"}', '{"state":"ON"}']);
    await gw.restart();
    await gw.advance('1m');
    expect(gw.events({ type: 'counter.off' }).map((e) => e.data)).toEqual([{ n: 2 }]);
    expect(gw.sent.map((m) => m.payload.toString()).at(-1)).toBe('{"state":"OFF"}');
  });

  it('records a thrown error as rule.failed, and invalid outputs fail the handler as inline', async () => {
    project.write('bad-emit.ts', misbehaving(`ctx.emit('room.entered', { wrong: true } as never);`));
    const gw = await start();
    const held = await gw.fact('button.action', { device: 'hall/button', action: 'hold' });
    expect(gw.events({ type: 'rule.failed' })).toMatchObject([{ causationid: held.id, data: { rule: 'misbehaving', error: expect.stringContaining('invalid data') } }]);
    expect(gw.events({ type: 'room.entered' })).toEqual([]);
  });

  it.each([
    ['exhausts its memory', 'const hog: number[][] = []; for (;;) hog.push(new Array(100_000).fill(1));', 'out of memory'],
    ['loops forever', 'for (;;) {}', 'time limit'],
    ['calls process.exit', 'process.exit(1);', 'its worker ended'],
  ])('that %s is stopped and struck; the gateway and the other rules go on', async (_what, body, reason) => {
    project.write('healthy.ts', HEALTHY);
    project.write('misbehaving.ts', misbehaving(body));
    const gw = await start({ workerHeapMb: 32, ruleTimeLimit: 1000 });
    const held = await gw.fact('button.action', { device: 'hall/button', action: 'hold' });
    expect(gw.events({ type: 'rule.failed' })).toMatchObject([{ causationid: held.id, data: { rule: 'misbehaving', error: expect.stringContaining(reason) } }]);
    expect(gw.core.engine.stats().get('misbehaving')).toMatchObject({ strikes: 1, disabled: false });
    // A fresh worker takes over: the same rule, and the healthy one beside it, handle the next event.
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    expect(gw.events({ type: 'misbehaving.ok' }).map((e) => e.data)).toEqual([{ action: 'single' }]);
    expect(gw.events({ type: 'healthy.saw' }).map((e) => e.data)).toEqual([{ action: 'hold' }, { action: 'single' }]);
  });

  it('is disabled after three strikes', async () => {
    project.write('misbehaving.ts', misbehaving('process.exit(1);'));
    const gw = await start();
    for (let i = 0; i < 3; i++) {
      // Each strike ends the worker; its successor is noticed dying soonest once it is up.
      await gw.core.ruleWorkerReady();
      await gw.fact('button.action', { device: 'hall/button', action: 'hold' });
    }
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    expect(gw.core.engine.stats().get('misbehaving')).toMatchObject({ strikes: 3, disabled: true });
    expect(gw.events({ type: 'rule.failed' }).at(-1)?.data).toMatchObject({ error: expect.stringContaining('disabled after repeated strikes') });
    expect(gw.events({ type: 'misbehaving.ok' })).toEqual([]);
  });

  it('runs inline when the rule says so', async () => {
    project.write('inline.ts', misbehaving('').replace("name: 'misbehaving',", "name: 'misbehaving', isolation: 'inline',"));
    project.write('healthy.ts', HEALTHY);
    const gw = await start();
    await gw.fact('button.action', { device: 'hall/button', action: 'single' });
    expect(gw.core.isolatedRules).toEqual(['healthy']);
  });
});
