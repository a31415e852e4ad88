// A crash at each commit boundary (FIRSTLIGHT_TEST_FAULT=<point>:<n>): after it, and after a restart
// that takes the publishers' resends, every invariant holds; a rule's outputs exist if and only if
// its position advanced past their cause. (Some points here; `npm run test:faults` runs them all.)
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/mosquitto.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { faultTrial, type TrialSetup } from './harness/trials.ts';
import type { FaultPoint } from '../../gateway/fault-points.ts';

const dir = tempDir('firstlight-boundary-');
afterAll(() => dir.remove());
let setup: TrialSetup | undefined;

// After a rule's commit, before its command leaves: the boundary with the most at stake.
const cases: Array<[FaultPoint, number]> = [['command.beforePublish', 2]];

describe('a crash at a commit boundary', () => {
  it.each(cases)('at %s, pass %i: acknowledged input kept, outputs in step with positions', async (point, n) => {
    setup ??= { dir: dir.path, port: await freePort(), nextNonce: 0 };
    const r = await faultTrial(setup, point, n, { messages: 300 });
    expect({ missing: r.missing, duplicated: r.duplicated, crashes: r.crashes, violations: r.violations }).toEqual({ missing: 0, duplicated: 0, crashes: 0, violations: [] });
  }, 60_000);
});
