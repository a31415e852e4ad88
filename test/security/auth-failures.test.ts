// An address that keeps failing to log in waits longer and longer; a success or a quiet minute forgets it.
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { createAuthFailures } from '../../gateway/security/auth-failures.ts';

describe('auth failure slow-down', () => {
  it('lets the first five failures pass, then doubles the wait up to a cap', () => {
    const clock = new SimulatedClock();
    const f = createAuthFailures({ clock });
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      delays.push(f.delayFor('10.0.0.9'));
      f.failed('10.0.0.9');
    }
    expect(delays).toEqual([0, 0, 0, 0, 0, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(f.delayFor('10.0.0.10')).toBe(0);
  });

  it('forgets an address after a success, or after a minute without failures', async () => {
    const clock = new SimulatedClock();
    const f = createAuthFailures({ clock });
    for (let i = 0; i < 8; i++) f.failed('a');
    for (let i = 0; i < 8; i++) f.failed('b');
    f.succeeded('a');
    expect(f.delayFor('a')).toBe(0);
    await clock.advance(59_000);
    expect(f.delayFor('b')).toBeGreaterThan(0);
    await clock.advance(1000);
    expect(f.delayFor('b')).toBe(0);
  });

  it('remembers a bounded number of addresses', () => {
    const f = createAuthFailures({ clock: new SimulatedClock(), maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) for (let i = 0; i < 6; i++) f.failed(a);
    expect(['a', 'b', 'c', 'd'].map((a) => f.count(a))).toEqual([0, 6, 6, 6]);
  });
});
