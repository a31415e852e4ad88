// Matches each received message to its publish, per room in FIFO order (each room's messages are
// published by one client and handled in log order, so the n-th reply of a room answers its n-th publish).

/** One published message waiting for its reply. */
export interface Pending {
  /** performance.now() just before publish(). */
  t: number;
  /** The phase it was published in. */
  phase: number;
}

export type MatchResult =
  | { kind: 'matched'; pending: Pending; seq: number }
  /** A reply with no publish waiting for it in that room (a duplicate, or someone else's message). */
  | { kind: 'unexpected' }
  /** The reply's check value disagrees with the publish it was matched to: FIFO matching broke. */
  | { kind: 'mismatch'; pending: Pending; seq: number; expected: number; got: number };

class Queue {
  items: Pending[] = [];
  head = 0;
  /** How many of this room's publishes have been answered: the sequence number of the next one. */
  answered = 0;
  push(p: Pending): void {
    this.items.push(p);
  }
  shift(): Pending | undefined {
    if (this.head >= this.items.length) return undefined;
    const p = this.items[this.head++]!;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }
  get length(): number {
    return this.items.length - this.head;
  }
}

export class FifoCorrelator {
  private readonly queues: Queue[];

  constructor(rooms: number) {
    this.queues = Array.from({ length: rooms }, () => new Queue());
  }

  push(room: number, pending: Pending): void {
    this.queues[room]!.push(pending);
  }

  /**
   * Takes the oldest pending publish of `room`. `check`, when given, must equal the room's sequence
   * number of that publish modulo `modulo` (the bench rule counts a room's events into brightness).
   */
  match(room: number, check?: number, modulo = 256): MatchResult {
    const q = this.queues[room];
    const pending = q?.shift();
    if (!q || !pending) return { kind: 'unexpected' };
    const seq = q.answered++;
    if (check !== undefined && check !== seq % modulo) return { kind: 'mismatch', pending, seq, expected: seq % modulo, got: check };
    return { kind: 'matched', pending, seq };
  }

  /** Publishes still waiting for their reply. */
  outstanding(): number {
    let n = 0;
    for (const q of this.queues) n += q.length;
    return n;
  }

  /** Publishes of `phase` still waiting. */
  outstandingOf(phase: number): number {
    let n = 0;
    for (const q of this.queues) for (let i = q.head; i < q.items.length; i++) if (q.items[i]!.phase === phase) n++;
    return n;
  }
}
