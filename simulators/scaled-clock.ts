// A clock that runs `speed` times faster than the one below it, from a chosen start time: a day in a
// minute at speed 1440. At speed 1 it is the clock below, shifted to the start time.
import type { Clock } from 'firstlight';

export interface ScaledClock extends Clock {
  readonly speed: number;
}

export function createScaledClock(options: { base: Clock; speed: number; start?: number }): ScaledClock {
  const { base, speed } = options;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, got ${speed}`);
  const baseStart = base.now();
  const start = options.start ?? baseStart;
  return {
    speed,
    // Whole milliseconds, as the system clock gives: the gateway stores times as integers.
    now: () => Math.floor(start + (base.now() - baseStart) * speed),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms / speed),
  };
}
