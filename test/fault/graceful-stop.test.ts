// SIGTERM under QoS 1 load: the gateway commits and acknowledges what it took, exits 0 within 5 s,
// and nothing it acknowledged is missing afterwards.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { sigtermTrial } from './harness/trials.ts';

const dir = tempDir('firstlight-sigterm-');
afterAll(() => dir.remove());

describe('graceful stop under load', () => {
  it('exits 0 within 5 s of SIGTERM with every acknowledged message in the log', async () => {
    const r = await sigtermTrial({ dir: dir.path, port: await freePort(), nextNonce: 0 }, { messages: 3000, publishers: 3 });
    expect(r.acknowledged).toBeGreaterThan(0);
    expect({ missing: r.missing, duplicated: r.duplicated, violations: r.violations }).toEqual({ missing: 0, duplicated: 0, violations: [] });
    expect(r.stopMs).toBeLessThan(5000);
  }, 60_000);
});
