// A rule removed and added again while the gateway runs catches up on what it missed, in order.
import { afterEach, expect, it } from 'vitest';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

let gw: TestGateway | undefined;
afterEach(() => gw?.close());

const counter = defineRule({
  name: 'counter',
  on: { 'button.action': (e, ctx) => ctx.emit('counter.saw', { action: e.data.action }) },
});

it('processes the events that happened while it was out, before the new ones', async () => {
  gw = await createTestGateway({ rules: [counter], devices: [{ name: 'b', room: 'hall', kinds: ['button'] }] });
  const press = (action: string) => gw!.fact('button.action', { device: 'b', action });
  await press('1');
  gw.core.engine.setRules([]);
  await press('2');
  await press('3');
  gw.core.engine.setRules([{ definition: counter as never, version: 'test', options: {} }]);
  await press('4');
  await gw.core.engine.catchUp();
  await gw.core.committer.settled();
  expect(gw.events({ type: 'counter.saw' }).map((e) => (e.data as { action: string }).action)).toEqual(['1', '2', '3', '4']);
});
