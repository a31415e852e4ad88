// kill -9 at random moments under QoS 1 load: what was acknowledged is in the log, nothing is stored
// twice, the file passes integrity_check, and the gateway accepts connections again within 5 s.
// (A few trials here; `npm run test:faults` runs many.)
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { killChain } from './harness/trials.ts';

const dir = tempDir('firstlight-kill-');
afterAll(() => dir.remove());

describe('kill -9 at a random moment under QoS 1 load', () => {
  it('loses no acknowledged message, stores none twice, and restarts intact', async () => {
    const results = await killChain({ dir: dir.path, port: await freePort(), nextNonce: 0 }, { trials: 3, messages: 1500, publishers: 3 });
    for (const [trial, r] of results.entries()) {
      expect(r.acknowledged).toBeGreaterThan(0);
      expect({ trial, missing: r.missing, duplicated: r.duplicated, crashes: r.crashes, violations: r.violations }).toEqual({ trial, missing: 0, duplicated: 0, crashes: 0, violations: [] });
      // The promise is 5 s (npm run test:faults counts every restart slower than that); here the
      // bound is looser because npm test shares two cores with the rest of the suite.
      expect(r.restartMs).toBeLessThan(10_000);
    }
  }, 120_000);
});
