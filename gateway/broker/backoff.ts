// Reconnect delays: exponential backoff with full jitter, so a fleet of gateways that lost the same
// broker does not reconnect in lock-step (mqtt.js's reconnectPeriod is a fixed interval).

export interface BackoffOptions {
  /** First ceiling, in ms (the first delay is drawn from [0, min]). */
  minMs: number;
  /** Largest ceiling, in ms. */
  maxMs: number;
  /** Uniform in [0, 1). Injected so tests are deterministic. Default Math.random. */
  random?: () => number;
}

export interface Backoff {
  /** The delay before the next attempt; each call doubles the ceiling up to `maxMs`. */
  next(): number;
  /** After a successful connection: the next failure starts from `minMs` again. */
  reset(): void;
  /** Attempts since the last reset. */
  readonly attempts: number;
}

/**
 * "Full jitter" (AWS Architecture Blog, Exponential Backoff And Jitter): delay = random(0, min(max,
 * min * 2^n)). The first retry after a drop is quick; a long outage settles at one try per ~max/2.
 */
export function createBackoff(options: BackoffOptions): Backoff {
  const random = options.random ?? Math.random;
  const min = Math.max(1, options.minMs);
  const max = Math.max(min, options.maxMs);
  let attempts = 0;
  return {
    next() {
      // 2^attempts overflows nothing: the exponent stops growing once the ceiling reaches max.
      const ceiling = Math.min(max, min * 2 ** Math.min(attempts, 30));
      attempts++;
      return Math.floor(random() * ceiling);
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
