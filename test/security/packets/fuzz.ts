// A bounded random-frame fuzzer for the broker (mqtt-packet's testRandom recipe, plus mutations of
// valid frames): each frame on a fresh socket after a valid CONNECT, a control client timing QoS 1
// round trips throughout, and counts of what went wrong. Bounded in frames and in time.
import { connectAsync } from 'mqtt';
import { connectPacket, mqttString, packet } from '../../helpers/raw-mqtt.ts';
import { createConnection } from 'node:net';

export interface FuzzOptions {
  port: number;
  /** The broker's mqtt.limits.maxPacketBytes (keep it small: each frame is followed by this many zeros). */
  maxPacketBytes: number;
  frames: number;
  /** Stops early when this much time has passed. */
  maxMs: number;
  seed: number;
  /** Sockets in flight at once. */
  concurrency?: number;
}

export interface FuzzResult {
  frames: number;
  /** Frames after which the broker did not close the half-closed socket within the per-frame bound. */
  hung: number;
  /** QoS 1 round trips of the control client (ms): their 99th percentile and worst. */
  controlP99Ms: number;
  controlMaxMs: number;
  /** Control round trips that failed (the broker stopped serving well-behaved clients). */
  controlFailures: number;
  rssGrowthMb: number;
  /** Heap growth after a full GC (when node runs with --expose-gc): what a leak would show. */
  heapGrowthMb: number | undefined;
  ms: number;
}

/** mulberry32: small, seedable, good enough to pick bytes. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  packet(3, 2, mqttString('cloudevents/fuzz'), Buffer.from([0, 1]), Buffer.from('{"specversion":"1.0","id":"f","source":"/f","type":"fuzz"}')),
  packet(3, 0, mqttString('zigbee2mqtt/hall/motion'), Buffer.from('{"occupancy":true}')),
  packet(8, 2, Buffer.from([0, 2]), mqttString('zigbee2mqtt/+/set'), Buffer.from([1])),
  packet(10, 2, Buffer.from([0, 3]), mqttString('a/b')),
];

/** A random frame: 80 % start with a packet type a client may send, the rest any byte. */
export function randomFrame(next: () => number): Buffer {
  const kind = next();
  if (kind < 0.5) {
    const length = Math.floor(next() * 512);
    const frame = Buffer.alloc(length);
    for (let i = 0; i < length; i++) frame[i] = Math.floor(next() * 256);
    if (length > 0 && next() < 0.8) frame[0] = ([3, 4, 5, 6, 7, 8, 10, 12, 14][Math.floor(next() * 9)]! << 4) | (frame[0]! & 0x0f);
    return frame;
  }
  // A valid frame with a few bits flipped, a byte changed, or its length byte off.
  const frame = Buffer.from(VALID[Math.floor(next() * VALID.length)]!);
  const flips = 1 + Math.floor(next() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(next() * frame.length);
    if (next() < 0.7) frame[at]! ^= 1 << Math.floor(next() * 8);
    else frame[at] = Math.floor(next() * 256);
  }
  if (next() < 0.2) frame[1] = Math.floor(next() * 256);
  return frame;
}

/**
 * Sends CONNECT, the frame, then zeros: they complete whatever length the frame declared, and then
 * read as packet type 0, which is forbidden, so every frame ends with the broker closing the
 * connection at once. Resolves when the broker closed (false: it did not within the bound).
 */
function oneFrame(port: number, frame: Buffer, padding: Buffer, boundMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, boundMs);
    socket.on('error', () => {});
    socket.resume();
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('connect', () => {
      socket.write(connectPacket(`fuzz-${Math.floor(Math.random() * 1e9)}`));
      socket.write(frame);
      socket.write(padding);
    });
  });
}

export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const next = random(options.seed);
  const started = performance.now();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const control = await connectAsync(`mqtt://127.0.0.1:${options.port}`, { clientId: 'fuzz-control', reconnectPeriod: 0 });
  control.on('error', () => {});
  const rtts: number[] = [];
  let controlFailures = 0;
  let frames = 0;
  let hung = 0;
  const concurrency = options.concurrency ?? 4;
  const padding = Buffer.alloc(options.maxPacketBytes + 8);
  const worker = async (): Promise<void> => {
    while (frames < options.frames && performance.now() - started < options.maxMs) {
      const n = frames++;
      if (!(await oneFrame(options.port, randomFrame(next), padding, 3000))) hung++;
      if (n % 200 === 0) {
        const t = performance.now();
        try {
          await control.publishAsync('cloudevents/control', JSON.stringify({ specversion: '1.0', id: `c${n}`, source: '/control', type: 'fuzz.control' }), { qos: 1 });
          rtts.push(performance.now() - t);
        } catch {
          controlFailures++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await control.endAsync(true);
  gc?.();
  const heapGrowthMb = gc ? (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024 : undefined;
  rtts.sort((a, b) => a - b);
  return {
    frames,
    hung,
    controlP99Ms: rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * 0.99))] ?? 0,
    controlMaxMs: rtts.at(-1) ?? 0,
    controlFailures,
    rssGrowthMb: (process.memoryUsage().rss - rssBefore) / 1024 / 1024,
    heapGrowthMb,
    ms: performance.now() - started,
  };
}
