// Virtual time for a replay: it moves only when the replay moves it, and a callback runs only when
// the replay says so, so a timer can fire at the moment it fired live rather than at its due time.
import type { Cancel, Clock } from '../clock.ts';

interface Pending {
  at: number;
  order: number;
  fn: () => void;
}

export class ReplayClock implements Clock {
  #now: number;
  #pending = new Set<Pending>();
  #order = 0;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const entry: Pending = { at: this.#now + Math.max(0, ms), order: this.#order++, fn };
    this.#pending.add(entry);
    return () => void this.#pending.delete(entry);
  }

  /** Moves the clock to `t`; never backwards (a replay's clock, like a real one, only goes on). */
  moveTo(t: number): void {
    this.#now = Math.max(this.#now, t);
  }

  /** The due time of the earliest pending callback. */
  nextDue(): number | undefined {
    return this.#earliest()?.at;
  }

  /** Moves the clock to `at` (not before now) and runs the earliest pending callback. */
  runNext(at: number): void {
    const next = this.#earliest();
    if (!next) return;
    this.#pending.delete(next);
    this.moveTo(at);
    next.fn();
  }

  #earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.#pending) if (!best || p.at < best.at || (p.at === best.at && p.order < best.order)) best = p;
    return best;
  }
}
