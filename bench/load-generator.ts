// The load tool: publisher clients and one receiver (mqtt.js, TCP_NODELAY), closed-loop throughput
// and open-loop latency phases, each reply matched to its publish per room in FIFO order.
import { connectAsync, type IClientPublishOptions, type MqttClient } from 'mqtt';
import type { Socket } from 'node:net';
import { FifoCorrelator, type Pending } from './fifo-correlator.ts';
import { Samples, type LatencySummary } from './samples.ts';

/** What the load is sent to, and how its replies are recognised. */
export interface LoadTarget {
  name: string;
  url: string;
  /** Per room: the topic its motion sensor publishes on, and the payload. */
  topics: string[];
  payloads: Buffer[];
  /** What the receiving client subscribes to. */
  replyFilter: string;
  /**
   * The room a received message answers and, if the target has one, a check value (the room's
   * sequence number modulo 256); 'other' for a message that answers no load message.
   */
  parseReply(topic: string, payload: Buffer): { room: number; check?: number } | 'other';
  /**
   * A replay (a simulated building's day) instead of the rooms' round robin: message i of the load is
   * sequence[i % length], continuing from phase to phase. Its replies go to the FIFO queues `replies`
   * names (one reply each); a message without replies is done at its PUBACK (QoS 1: committed).
   */
  sequence?: { topic: string; payload: Buffer; room: number; replies: number[]; occupancy: boolean }[];
  /** FIFO queues of the correlator (default: one per room). */
  queues?: number;
  /** A message the receiving client publishes in answer to each one it receives (a light reporting its state). */
  answer?(topic: string, payload: Buffer): { topic: string; payload: string } | undefined;
}

/** Called at the start and end of a phase's measured window (after the warm-up), to read /proc. */
export interface WindowHooks {
  start(): void;
  end(): void;
}

export interface PhaseSpec {
  name: string;
  /** Publisher clients used; room r is always published by client r % publishers. */
  publishers: number;
  durationMs: number;
  /** The first part of the phase, not measured. */
  warmupMs: number;
  /** How long to wait for outstanding replies after the phase. */
  drainMs: number;
  hooks?: WindowHooks;
}

export interface PhaseResult {
  name: string;
  mode: 'closed-loop' | 'open-loop';
  publishers: number;
  inflight?: number;
  offeredRate?: number;
  /** Length of the measured window, ms. */
  windowMs: number;
  /** Messages published in the phase (warm-up included). */
  published: number;
  /** Publishes per second within the window. */
  sentRate: number;
  /** Replies received within the window, per second: the sustained rate. */
  throughput: number;
  /** Replies received in each whole second of the window. */
  perSecond: number[];
  /** Publish -> reply, for messages published in the window. */
  latency: LatencySummary;
  /** Publish -> PUBACK (QoS 1: the gateway acks after its commit). */
  ack: LatencySummary;
  /** Open loop: how late the load tool published against its schedule. */
  sendLag?: LatencySummary;
  /** Publishes still unanswered when publishing stopped. */
  outstandingAtStop: number;
  /** Time to receive the outstanding replies after the phase. */
  drainMs: number;
  /** This phase's publishes still unanswered after the drain timeout. */
  lost: number;
  /** Replies that matched no publish, or whose check value disagreed (FIFO matching broke). */
  unexpected: number;
  mismatches: number;
  /** Messages on the reply topics that answer no load message (e.g. the flagship rule's ON). */
  other: number;
  publishErrors: number;
}

export interface LoadTotals {
  published: number;
  /** Replies the publishes call for (the rooms' load: one each). */
  expected: number;
  /** Published messages carrying a motion sensor's occupancy (the rooms' load: all of them). */
  occupancy: number;
  matched: number;
  acked: number;
  unexpected: number;
  mismatches: number;
  other: number;
  publishErrors: number;
  outstanding: number;
}

export interface LoadSession {
  closedLoop(spec: PhaseSpec & { inflight: number }): Promise<PhaseResult>;
  openLoop(spec: PhaseSpec & { rate: number }): Promise<PhaseResult>;
  /** Waits until every publish is answered or `timeoutMs` passed; resolves with what is still outstanding. */
  drain(timeoutMs: number): Promise<number>;
  totals(): LoadTotals;
  close(): Promise<void>;
}

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function connectNoDelay(url: string, clientId: string): Promise<MqttClient> {
  const client = await connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 10_000, keepalive: 120, clean: true });
  // Without TCP_NODELAY, Nagle plus delayed ACKs put milliseconds of the load tool's own making on
  // small packets (shared/reference/performance.md).
  (client.stream as Socket).setNoDelay(true);
  return client;
}

/** A measured window and what happened in it. */
interface Window {
  phase: number;
  /** Latency samples count for publishes at or after this time (set when the warm-up ends). */
  from: number;
  start: number;
  end: number;
  received: number;
  sent: number;
  perSecond: number[];
  latency: Samples;
  ack: Samples;
  unexpected: number;
  mismatches: number;
  other: number;
  publishErrors: number;
}

export async function startLoad(target: LoadTarget, options: { publishers: number; qos: 0 | 1 }): Promise<LoadSession> {
  const rooms = target.topics.length;
  const tag = `${target.name}-${process.pid}`;
  const receiver = await connectNoDelay(target.url, `bench-rx-${tag}`);
  await receiver.subscribeAsync(target.replyFilter, { qos: 1 });
  const pubs = await Promise.all(Array.from({ length: options.publishers }, (_, i) => connectNoDelay(target.url, `bench-tx${i}-${tag}`)));
  const pubOpts: IClientPublishOptions = { qos: options.qos, retain: false };
  const correlator = new FifoCorrelator(target.queues ?? rooms);
  const sequence = target.sequence;
  /** Where the replay continues. */
  let cursor = 0;
  const totals: LoadTotals = { published: 0, expected: 0, occupancy: 0, matched: 0, acked: 0, unexpected: 0, mismatches: 0, other: 0, publishErrors: 0, outstanding: 0 };

  let phaseId = 0;
  let win: Window | undefined;
  /** Set by a closed loop: what to do when a reply for `room` arrives. */
  let onReply: ((room: number) => void) | undefined;

  receiver.on('message', (topic, payload) => {
    const t = now();
    const answer = target.answer?.(topic, payload);
    if (answer) receiver.publish(answer.topic, answer.payload, { qos: 0 });
    const reply = target.parseReply(topic, payload);
    const inWindow = win !== undefined && t >= win.start && t < win.end;
    if (reply === 'other') {
      totals.other++;
      if (win) win.other++;
      return;
    }
    const result = correlator.match(reply.room, reply.check);
    if (result.kind === 'unexpected') {
      totals.unexpected++;
      if (win) win.unexpected++;
      return;
    }
    totals.matched++;
    if (result.kind === 'mismatch') {
      totals.mismatches++;
      if (win) win.mismatches++;
    }
    // A message with several replies (a room with two lights) is done with its last one.
    const p = result.pending as Pending & { left?: number };
    if (p.left !== undefined && --p.left > 0) return;
    if (win) {
      if (inWindow) {
        win.received++;
        const s = Math.floor((t - win.start) / 1000);
        win.perSecond[s] = (win.perSecond[s] ?? 0) + 1;
      }
      if (result.pending.phase === win.phase && result.pending.t >= win.from) win.latency.add(t - result.pending.t);
    }
    onReply?.(reply.room);
  });

  function send(room: number, publishers: number): void {
    if (sequence) return sendNext(publishers);
    const pending: Pending = { t: now(), phase: phaseId };
    correlator.push(room, pending);
    totals.expected++;
    totals.occupancy++;
    publish(pubs[room % publishers]!, target.topics[room]!, target.payloads[room]!, pending, false);
  }

  /** The replay's next message. */
  function sendNext(publishers: number): void {
    const m = sequence![cursor++ % sequence!.length]!;
    const pending: Pending & { left: number } = { t: now(), phase: phaseId, left: m.replies.length };
    for (const q of m.replies) correlator.push(q, pending);
    totals.expected += m.replies.length;
    if (m.occupancy) totals.occupancy++;
    publish(pubs[m.room % publishers]!, m.topic, m.payload, pending, m.replies.length === 0, m.room);
  }

  function publish(client: MqttClient, topic: string, payload: Buffer, pending: Pending, doneAtAck: boolean, room = 0): void {
    totals.published++;
    const w = win;
    if (w && pending.t >= w.start && pending.t < w.end) w.sent++;
    client.publish(topic, payload, pubOpts, (err) => {
      if (err) {
        totals.publishErrors++;
        if (w) w.publishErrors++;
        return;
      }
      totals.acked++;
      const t = now();
      if (w && pending.phase === w.phase && pending.t >= w.from) w.ack.add(t - pending.t);
      if (!doneAtAck) return;
      // Nothing answers it: stored (PUBACK after the commit) is done.
      if (w && t >= w.start && t < w.end) {
        w.received++;
        const s = Math.floor((t - w.start) / 1000);
        w.perSecond[s] = (w.perSecond[s] ?? 0) + 1;
      }
      if (w === win) onReply?.(room);
    });
  }

  function begin(spec: PhaseSpec): { window: Window; started: number; stopped: Promise<void>; isStopped(): boolean } {
    phaseId++;
    const started = now();
    const window: Window = {
      phase: phaseId,
      from: Infinity,
      start: Infinity,
      end: Infinity,
      received: 0,
      sent: 0,
      perSecond: [],
      latency: new Samples(),
      ack: new Samples(),
      unexpected: 0,
      mismatches: 0,
      other: 0,
      publishErrors: 0,
    };
    win = window;
    let stopped = false;
    let hookError: unknown;
    const warm = setTimeout(() => {
      try {
        spec.hooks?.start();
      } catch (err) {
        hookError = err;
      }
      window.start = window.from = now();
    }, spec.warmupMs);
    const stoppedP = sleep(spec.durationMs).then(() => {
      clearTimeout(warm);
      window.end = now();
      stopped = true;
      if (hookError) throw hookError;
      spec.hooks?.end();
    });
    return { window, started, stopped: stoppedP, isStopped: () => stopped };
  }

  async function finish(
    spec: PhaseSpec,
    window: Window,
    extra: Pick<PhaseResult, 'mode'> & Partial<PhaseResult>,
    published: number,
  ): Promise<PhaseResult> {
    const outstandingAtStop = correlator.outstandingOf(window.phase);
    const t = now();
    while (correlator.outstandingOf(window.phase) > 0 && now() - t < spec.drainMs) await sleep(5);
    const drainMs = now() - t;
    const windowMs = window.end - window.start;
    // A second that the window only partly covers is not a whole second of throughput.
    const whole = Math.floor(windowMs / 1000);
    return {
      name: spec.name,
      publishers: spec.publishers,
      windowMs,
      published,
      sentRate: (window.sent * 1000) / windowMs,
      throughput: (window.received * 1000) / windowMs,
      perSecond: window.perSecond.slice(0, whole).map((n) => n ?? 0),
      latency: window.latency.summary(),
      ack: window.ack.summary(),
      outstandingAtStop,
      drainMs,
      lost: correlator.outstandingOf(window.phase),
      unexpected: window.unexpected,
      mismatches: window.mismatches,
      other: window.other,
      publishErrors: window.publishErrors,
      ...extra,
    };
  }

  return {
    async closedLoop(spec) {
      const { window, stopped, isStopped } = begin(spec);
      let published = 0;
      // Each reply for a room sends that room's next message: `inflight` stay outstanding.
      onReply = (room) => {
        if (isStopped()) return;
        published++;
        send(room, spec.publishers);
      };
      for (let i = 0; i < spec.inflight; i++) {
        published++;
        send(i % rooms, spec.publishers);
      }
      await stopped;
      onReply = undefined;
      return finish(spec, window, { mode: 'closed-loop', inflight: spec.inflight }, published);
    },

    async openLoop(spec) {
      const { window, started, stopped, isStopped } = begin(spec);
      const interval = 1000 / spec.rate;
      const lag = new Samples();
      let i = 0;
      // Publishes whatever is due by now, then waits for the next due time: with a timer when the
      // interval is long enough for one, otherwise by yielding to I/O (setImmediate) in between.
      const tick = (): void => {
        if (isStopped()) return;
        const t = now();
        const due = Math.floor((t - started) / interval) + 1;
        while (i < due) {
          const scheduled = started + i * interval;
          if (scheduled >= window.from) lag.add(now() - scheduled);
          send(i % rooms, spec.publishers);
          i++;
        }
        if (interval >= 0.5) setTimeout(tick, Math.max(0, started + i * interval - now()));
        else setImmediate(tick);
      };
      tick();
      await stopped;
      return finish(spec, window, { mode: 'open-loop', offeredRate: spec.rate, sendLag: lag.summary() }, i);
    },

    async drain(timeoutMs) {
      const t = now();
      while (correlator.outstanding() > 0 && now() - t < timeoutMs) await sleep(5);
      return correlator.outstanding();
    },

    totals: () => ({ ...totals, outstanding: correlator.outstanding() }),

    async close() {
      win = undefined;
      await Promise.all([receiver, ...pubs].map((c) => c.endAsync(true).catch(() => {})));
    },
  };
}
