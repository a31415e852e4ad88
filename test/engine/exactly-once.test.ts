// A rule's outputs exist if and only if its position advanced: a failed commit leaves neither, and
// the retry produces the same outputs with the same ids.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

let gw: TestGateway | undefined;
afterEach(() => gw?.close());

const echo = defineRule({
  name: 'echo',
  on: {
    'button.action'(event, ctx) {
      ctx.state.set({ last: event.data.action });
      ctx.timers.set('later', 60_000);
      ctx.emit('echo.heard', { action: event.data.action });
    },
  },
});

describe('exactly-once effects', () => {
  it('rolls back outputs, state, timers and position together when the commit fails, and retries to the same ids', async () => {
    gw = await createTestGateway({ rules: [echo], devices: [{ name: 'remote', room: 'hall', kinds: ['button'] }] });
    const { committer, events, ruleStore, engine } = gw.core;
    const fact = {
      id: 'press-1',
      source: '/sites/test/zigbee2mqtt/remote',
      type: 'button.action',
      time: new Date(gw.clock.now()).toISOString(),
      partitionkey: 'hall',
      data: { device: 'remote', action: 'single' },
    };
    const head = events.head();
    const outcome: Array<Error | null> = [];
    committer.submit({ write: () => void committer.append({ ...fact }), done: (err) => outcome.push(err) });
    // A second unit in the same transaction fails after the rule ran (as a full disk would).
    committer.submit({
      write() {
        throw new Error('disk full');
      },
    });
    await committer.settled();
    expect(outcome).toEqual([new Error('disk full')]);
    expect(events.head()).toBe(head);
    expect(ruleStore.getState('echo', 'hall')).toBeUndefined();
    expect(ruleStore.pendingTimers()).toEqual([]);
    expect(engine.stats().get('echo')!.position).toBe(head);

    committer.submit({ write: () => void committer.append({ ...fact }) });
    await committer.settled();
    const heard = events.query({ type: 'echo.heard' });
    expect(heard).toHaveLength(1);
    expect(ruleStore.getState('echo', 'hall')).toEqual({ last: 'single' });
    expect(ruleStore.pendingTimers()).toHaveLength(1);
    expect(engine.stats().get('echo')!.position).toBe(events.head());

    // The derived id depends only on the rule and the event: the same on every replay.
    const { derivedId } = await import('../../gateway/events/ids.ts');
    expect(heard[0]!.id).toBe(derivedId(Date.parse(fact.time), 'echo', 'on', 'hall', fact.source, fact.id, '0'));
  });
});
