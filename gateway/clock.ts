// Time as a dependency: the runtime asks a Clock, so tests and replays can run on virtual time.

/** Cancels a scheduled callback. Calling it twice is harmless. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): Cancel;
}

/** The real clock. Timers are unref'd: a pending timer alone does not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // setTimeout's limit is 2^31-1 ms (~24.8 days); re-arm for longer delays.
    const max = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const arm = (left: number): void => {
      handle = setTimeout(left > max ? () => arm(left - max) : fn, Math.min(Math.max(0, left), max));
      handle.unref();
    };
    arm(ms);
    return () => clearTimeout(handle);
  },
};

interface Scheduled {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told to. `advance` runs due callbacks in time order. */
export class SimulatedClock implements Clock {
  #now: number;
  #queue: Scheduled[] = [];
  #order = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 1, 8, 0, 0)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const entry: Scheduled = { at: this.#now + Math.max(0, ms), order: this.#order++, fn, cancelled: false };
    this.#queue.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** When the next pending callback is due, or undefined when none is. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const e of this.#queue) if (!e.cancelled && (next === undefined || e.at < next)) next = e.at;
    return next;
  }

  /**
   * Runs every callback due at or before `until`, in order, moving the clock to each one's time,
   * then sets the clock to `until`. `between` runs after each callback (tests use it to let the
   * work a callback started settle before the next one runs).
   */
  async runUntil(until: number, between: () => Promise<void> = async () => {}): Promise<void> {
    for (;;) {
      this.#queue = this.#queue.filter((e) => !e.cancelled);
      this.#queue.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.#queue[0];
      if (!next || next.at > until) break;
      this.#queue.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      await between();
    }
    this.#now = Math.max(this.#now, until);
  }

  /** Moves the clock forward by `ms`, running what falls due on the way. */
  advance(ms: number, between?: () => Promise<void>): Promise<void> {
    return this.runUntil(this.#now + ms, between);
  }
}

/**
 * A clock for running flat out (benches): it holds the one pending callback a simulator's agenda
 * asks for and jumps to it. Unlike SimulatedClock it keeps a single timer and awaits nothing.
 */
export function createSteppingClock(start: number): Clock & { runUntil(t: number): void } {
  let now = start;
  let pending: { at: number; fn: () => void } | undefined;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const entry = { at: now + Math.max(0, ms), fn };
      pending = entry;
      return () => {
        if (pending === entry) pending = undefined;
      };
    },
    runUntil(t) {
      while (pending && pending.at <= t) {
        const p = pending;
        pending = undefined;
        now = Math.max(now, p.at);
        p.fn();
      }
      now = Math.max(now, t);
    },
  };
}
