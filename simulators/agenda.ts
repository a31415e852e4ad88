// The simulators' own timetable: a min-heap of what is due when, on top of an injected Clock, which
// is asked for one timer at a time (the earliest), so thousands of devices cost one clock timer.
import type { Clock } from 'firstlight';

export type Cancel = () => void;

export interface Agenda {
  /** The clock's time. */
  now(): number;
  /** Runs `fn` at `time` (at once, on the next firing, if that has passed). */
  at(time: number, fn: () => void): Cancel;
  /** Runs `fn` after `ms` of the clock's time. */
  after(ms: number, fn: () => void): Cancel;
  /** Drops everything pending; nothing runs after this. */
  stop(): void;
  /** Entries waiting (cancelled ones included until they are skipped). */
  readonly size: number;
}

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export function createAgenda(clock: Clock): Agenda {
  const heap: Entry[] = [];
  let seq = 0;
  let armedAt: number | undefined;
  let cancelArmed: Cancel | undefined;
  let firing = false;
  let stopped = false;

  // Sift up and down with a moving hole rather than swaps: this runs for every message simulated.
  function push(e: Entry): void {
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(e, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  function pop(): Entry | undefined {
    const top = heap[0];
    const last = heap.pop();
    const n = heap.length;
    if (n > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  function arm(): void {
    if (firing || stopped) return;
    while (heap[0]?.cancelled) pop();
    const next = heap[0];
    if (next?.at === armedAt) return;
    cancelArmed?.();
    cancelArmed = undefined;
    armedAt = next?.at;
    if (next) cancelArmed = clock.setTimeout(fire, next.at - clock.now());
  }

  function fire(): void {
    armedAt = undefined;
    cancelArmed = undefined;
    firing = true;
    try {
      // Everything due by now runs in this one firing: a late real-time timer catches up at once.
      while (!stopped && heap.length > 0 && heap[0]!.at <= clock.now()) {
        const e = pop()!;
        if (!e.cancelled) e.fn();
      }
    } finally {
      firing = false;
      arm();
    }
  }

  const agenda: Agenda = {
    now: () => clock.now(),
    at(time, fn) {
      if (stopped) return () => {};
      // Whole milliseconds, as a real clock gives: the gateway stores times as integers.
      const e: Entry = { at: Math.round(time), seq: seq++, fn, cancelled: false };
      push(e);
      arm();
      return () => {
        e.cancelled = true;
      };
    },
    after: (ms, fn) => agenda.at(clock.now() + Math.max(0, ms), fn),
    stop() {
      stopped = true;
      cancelArmed?.();
      heap.length = 0;
    },
    get size() {
      return heap.length;
    },
  };
  return agenda;
}
