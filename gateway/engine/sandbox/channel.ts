// The synchronous channel between the engine and the rule worker: JSON messages in one shared buffer,
// handed back and forth with Atomics. Synchronous because a handler runs inside the commit.

/** Whose turn it is, in `ctl[TURN]`. */
export const Turn = {
  /** Nothing in flight. */
  Idle: 0,
  /** The engine wrote a request; the worker runs it. */
  Request: 1,
  /** The worker wrote the reply. */
  Reply: 2,
  /** The worker asks the engine something mid-handler (ctx.devices); the engine answers with Request. */
  Ask: 3,
  /** The worker loaded its rules and waits for requests. */
  Ready: 4,
  /** The worker could not load its rules; the buffer holds why. */
  LoadFailed: 5,
} as const;

export const TURN = 0;
export const LENGTH = 1;

/** The shared memory of one worker: a control word pair and a message buffer. */
export interface ChannelMemory {
  ctl: SharedArrayBuffer;
  buf: SharedArrayBuffer;
}

export function allocateChannel(bytes: number): ChannelMemory {
  return { ctl: new SharedArrayBuffer(8), buf: new SharedArrayBuffer(bytes) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One side's view of the channel. */
export class Channel {
  readonly ctl: Int32Array;
  readonly #bytes: Uint8Array;
  constructor(memory: ChannelMemory) {
    this.ctl = new Int32Array(memory.ctl);
    this.#bytes = new Uint8Array(memory.buf);
  }

  get turn(): number {
    return Atomics.load(this.ctl, TURN);
  }

  /** Writes a message and hands the turn over. Throws when it does not fit. */
  send(message: unknown, turn: number): void {
    const text = JSON.stringify(message) ?? 'null';
    // encodeInto stops at the end of the buffer: a message that did not fit was not read whole.
    const { read, written } = encoder.encodeInto(text, this.#bytes);
    if (read < text.length) throw new Error(`message of ${text.length} characters exceeds the rule worker's ${this.#bytes.length >> 20} MiB channel`);
    this.ctl[LENGTH] = written;
    Atomics.store(this.ctl, TURN, turn);
    Atomics.notify(this.ctl, TURN);
  }

  read<T>(): T {
    // slice, not subarray: TextDecoder refuses views of shared memory.
    return JSON.parse(decoder.decode(this.#bytes.slice(0, this.ctl[LENGTH]))) as T;
  }

  /**
   * Blocks while the turn is `turn`, for at most `ms`; returns the turn now. It first spins for up to
   * `spinUs`: the other side usually answers within microseconds, and putting a thread to sleep and
   * waking it costs ~30 us each way on a small machine (a round trip of 75 us spinning none, ~7 us
   * spinning).
   */
  waitWhile(turn: number, ms = Infinity, spinUs = 0): number {
    if (spinUs > 0) {
      const until = performance.now() + spinUs / 1000;
      while (Atomics.load(this.ctl, TURN) === turn && performance.now() < until);
      if (Atomics.load(this.ctl, TURN) !== turn) return this.turn;
    }
    Atomics.wait(this.ctl, TURN, turn, ms);
    return this.turn;
  }
}

/** What a handler asked for, recorded in the worker and replayed on the engine's real context. */
export type RecordedCall =
  | ['emit', string, unknown, unknown]
  | ['command', string, unknown]
  | ['state.set', unknown]
  | ['state.delete']
  | ['timers.set', string, number, unknown]
  | ['timers.cancel', string]
  | ['log', 'info' | 'warn', string, unknown];

/** Which of a rule's functions to run: an `on` handler by type, a timer handler, or a trigger's run. */
export type Target = { kind: 'on'; type: string } | { kind: 'timer'; name: string } | { kind: 'trigger'; index: number };

export interface RunRequest {
  rule: number;
  target: Target;
  /** The event (for `on`), the fired timer (dueAt in ms), or the trigger's fired data. */
  arg: unknown;
  ctx: { rule: string; version: string; key: string; now: number; options: unknown; state?: unknown };
}

export type RunReply = { ok: true; calls: RecordedCall[] } | { ok: false; error: string };

export type AskRequest = { op: 'device'; name: string } | { op: 'inRoom'; room: string; kind?: string | undefined };
