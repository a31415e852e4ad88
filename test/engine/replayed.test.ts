// Retained state a broker replays on subscribe is recorded, but does not fire rules as a new fact.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
];
let gw: TestGateway | undefined;
afterEach(() => gw?.close());

describe('replayed retained messages', () => {
  it('are logged as replayed state and do not switch lights', async () => {
    gw = await createTestGateway({ rules: RULES, devices });
    await gw.message('zigbee2mqtt/hall/motion', { occupancy: true }, { replayed: true });
    expect(gw.events({ type: 'sensor.occupancy' })).toMatchObject([{ replayed: true, data: { occupied: true } }]);
    expect(gw.events({ type: 'room.*' })).toEqual([]);
    expect(gw.sent).toEqual([]);

    await gw.message('zigbee2mqtt/hall/motion', { occupancy: true });
    expect(gw.events({ type: 'room.entered' })).toHaveLength(1);
  });

  it('reach a rule that asks for them', async () => {
    const seen: boolean[] = [];
    const wantsState = defineRule({
      name: 'wants-state',
      acceptReplayed: true,
      on: { 'sensor.occupancy': (event) => void seen.push(event.replayed === true) },
    });
    gw = await createTestGateway({ rules: [wantsState], devices });
    await gw.message('zigbee2mqtt/hall/motion', { occupancy: true }, { replayed: true });
    expect(seen).toEqual([true]);
  });
});
