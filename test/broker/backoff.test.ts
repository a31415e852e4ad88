// Reconnect delays: exponential ceilings, full jitter, a cap, and a reset after success.
import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../gateway/broker/backoff.ts';

describe('backoff', () => {
  it('doubles the ceiling on each attempt up to the cap, drawing the delay below it', () => {
    const top = createBackoff({ minMs: 1000, maxMs: 60_000, random: () => 0.999999 });
    expect(Array.from({ length: 9 }, () => top.next())).toEqual([999, 1999, 3999, 7999, 15_999, 31_999, 59_999, 59_999, 59_999]);
    const bottom = createBackoff({ minMs: 1000, maxMs: 60_000, random: () => 0 });
    expect(Array.from({ length: 3 }, () => bottom.next())).toEqual([0, 0, 0]);
  });

  it('starts from the smallest ceiling again after a reset', () => {
    const b = createBackoff({ minMs: 100, maxMs: 1000, random: () => 0.5 });
    b.next();
    b.next();
    b.next();
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(50);
  });

  it('keeps a refusing broker to a handful of attempts: at most 25 in 10 minutes with a 1 s base and a 60 s cap', () => {
    // Reliability catalogue #16, at the worst case for the count: every delay at its mean.
    const b = createBackoff({ minMs: 1000, maxMs: 60_000, random: () => 0.5 });
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 600_000) {
      elapsed += b.next();
      attempts++;
    }
    expect(attempts).toBeLessThanOrEqual(25);
  });

  it('never overflows, however long the outage', () => {
    const b = createBackoff({ minMs: 1000, maxMs: 60_000, random: () => 0.999 });
    for (let i = 0; i < 10_000; i++) b.next();
    expect(b.next()).toBe(59_940);
  });
});
