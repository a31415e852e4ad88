// A few seconds of random and mutated MQTT frames (npm run test:faults runs longer): no crash, no
// uncaught exception, bounded memory, and a control client served throughout. (test 20)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcess, type InProcessGateway } from '../helpers/in-process.ts';
import { fuzz } from './packets/fuzz.ts';

let gw: InProcessGateway;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown): void => void uncaught.push(err);
beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  gw = await startInProcess({ brokerLimits: { maxPacketBytes: 4096 } });
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await gw.close();
});

describe('random-frame fuzz', () => {
  it('leaves the broker serving, without uncaught exceptions, within a memory bound', async () => {
    const seed = 20_260_101;
    const r = await fuzz({ port: gw.broker.port, maxPacketBytes: 4096, frames: 1500, maxMs: 3000, seed });
    expect(r.frames, `seed ${seed}`).toBeGreaterThan(200);
    expect({ hung: r.hung, controlFailures: r.controlFailures, uncaught }).toEqual({ hung: 0, controlFailures: 0, uncaught: [] });
    // RSS keeps the allocator's slack; npm run test:faults bounds the heap after a full GC instead.
    expect(r.rssGrowthMb).toBeLessThan(64);
    expect(gw.broker.connectedClients()).toBe(0);
    expect(gw.errors).toEqual([]);
  });
});
