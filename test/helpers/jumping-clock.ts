// A simulated clock whose wall time can step without time passing (a Pi booting without a real-time
// clock, then NTP): timeouts run on the simulated monotonic time, `now()` reports the wall time.
import { SimulatedClock } from '../../gateway/clock.ts';

export class JumpingClock extends SimulatedClock {
  #offset = 0;

  override now(): number {
    return super.now() + this.#offset;
  }

  /** Steps the wall clock by `ms` (negative: back); pending timeouts keep their monotonic deadlines. */
  jump(ms: number): void {
    this.#offset += ms;
  }

  /** Time that really passed (what performance.now() would measure). */
  monotonic(): number {
    return super.now();
  }
}
