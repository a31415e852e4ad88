// One MQTT link that stays up: a fresh mqtt.js client per attempt, reconnects driven by our own
// backoff with jitter on the injected clock (mqtt.js's reconnectPeriod is a fixed interval), and a
// persistent session (clean session off, a stable client id).
import { createRequire } from 'node:module';
import type { IClientOptions, IConnackPacket, MqttClient } from 'mqtt';
import type { Cancel, Clock } from '../clock.ts';
import type { LogSink } from '../logger.ts';
import { createBackoff } from './backoff.ts';
import type { ResolvedLink } from './link-options.ts';

export type ProtocolChoice = 'auto' | 4 | 5;

export interface ConnectionInfo {
  /** CONNACK's session present flag: false means the broker has no session (and no subscriptions) for us. */
  sessionPresent: boolean;
  protocolVersion: 4 | 5;
}

export interface ReconnectingClientDeps {
  /** "broker" or "uplink": names the link in logs. */
  name: string;
  link: ResolvedLink;
  protocol: ProtocolChoice;
  clock: Clock;
  log: LogSink;
  random?: () => number;
  /** Prepares each new client before its first packet arrives (e.g. deferred acknowledgements). */
  prepare?(client: MqttClient): void;
  /** A connection is up: CONNACK accepted. Subscribe here when the session is not present. */
  onConnect(client: MqttClient, info: ConnectionInfo): void;
  /** The connection `onConnect` was called for is gone; `lastHeardAt` is when its last packet arrived. */
  onDisconnect?(client: MqttClient, lastHeardAt: number): void;
  /** How a client is made (tests). Default mqtt.connect. */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface LinkStats {
  attempts: number;
  connects: number;
  connected: boolean;
  lastError?: string | undefined;
}

export interface ReconnectingClient {
  /** The connected client, if any. */
  readonly client: MqttClient | undefined;
  readonly stats: LinkStats;
  /** Gives up on the current connection (a publish timed out: the link is dead or half-open) and reconnects. */
  drop(reason: string): void;
  /** Disconnects cleanly (DISCONNECT keeps the session [MQTT-3.1.2-6]) and stops reconnecting. */
  close(): Promise<void>;
}

// [MQTT-3.1.2-11 in 5.0]: without a session expiry interval an MQTT 5 session ends at disconnect,
// even with clean start off. 0xFFFFFFFF means "does not expire"; brokers may cap it.
const SESSION_NEVER_EXPIRES = 0xffffffff;
// CONNACK codes that mean "I do not speak that protocol": 3.1.1 return code 1, MQTT 5 reason 0x84.
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);

// mqtt.js costs ~5-10 MB of memory once loaded: only a gateway with an external broker or an uplink loads it.
let mqtt: typeof import('mqtt') | undefined;
const connectMqtt = (url: string, options: IClientOptions): MqttClient => (mqtt ??= createRequire(import.meta.url)('mqtt') as typeof import('mqtt')).connect(url, options);

export function startReconnectingClient(deps: ReconnectingClientDeps): ReconnectingClient {
  const { link, clock, log, name } = deps;
  const connect = deps.connect ?? connectMqtt;
  const backoff = createBackoff({ ...link.backoff, random: deps.random });
  const stats: LinkStats = { attempts: 0, connects: 0, connected: false };
  let protocol: 4 | 5 = deps.protocol === 4 ? 4 : 5;
  let current: MqttClient | undefined;
  let attempt: MqttClient | undefined;
  let timer: Cancel | undefined;
  let closed = false;

  function open(): void {
    timer = undefined;
    if (closed) return;
    stats.attempts++;
    const client = connect(link.url, {
      ...link.options,
      protocolVersion: protocol,
      clean: false,
      // We reconnect ourselves, with a fresh client: no stale queue or half-sent acks carry over.
      reconnectPeriod: 0,
      // mqtt.js logs through `debug` several times per packet; even disabled it costs ~3% of a drain.
      log: () => {},
      ...(protocol === 5 && { properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES } }),
    });
    attempt = client;
    tuneSocket(client.stream);
    deps.prepare?.(client);
    let retryNow = false;
    // The last moment the broker was known to be alive on this connection.
    let lastHeardAt = clock.now();
    client.on('packetreceive', () => void (lastHeardAt = clock.now()));
    client.on('connect', (connack: IConnackPacket) => {
      if (closed || attempt !== client) return void client.end(true);
      backoff.reset();
      current = client;
      stats.connects++;
      stats.connected = true;
      stats.lastError = undefined;
      log.info(`${name} connected`, { url: link.url, clientId: link.clientId, sessionPresent: connack.sessionPresent, protocol: protocol === 5 ? 'MQTT 5' : 'MQTT 3.1.1' });
      deps.onConnect(client, { sessionPresent: connack.sessionPresent, protocolVersion: protocol });
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      stats.lastError = err.message;
      if (deps.protocol === 'auto' && protocol === 5 && typeof err.code === 'number' && UNSUPPORTED_PROTOCOL.has(err.code)) {
        log.info(`${name}: the broker does not speak MQTT 5, using MQTT 3.1.1`, { url: link.url });
        protocol = 4;
        retryNow = true;
      }
    });
    client.once('close', () => {
      client.end(true);
      if (attempt === client) attempt = undefined;
      if (current === client) {
        current = undefined;
        stats.connected = false;
        if (!closed) log.warn(`${name} disconnected`, { url: link.url, error: stats.lastError });
        deps.onDisconnect?.(client, lastHeardAt);
      }
      if (closed) return;
      const delay = retryNow ? 0 : backoff.next();
      if (!retryNow && stats.lastError) log.warn(`${name} unreachable`, { url: link.url, error: stats.lastError, retryInMs: delay, attempt: backoff.attempts });
      timer = clock.setTimeout(open, delay);
    });
  }

  open();

  return {
    get client() {
      return current;
    },
    stats,
    drop(reason) {
      if (!current) return;
      stats.lastError = reason;
      // Forced: no DISCONNECT, the link is presumed dead; 'close' schedules the reconnect.
      current.end(true);
    },
    async close() {
      closed = true;
      timer?.();
      const client = current ?? attempt;
      current = undefined;
      attempt = undefined;
      stats.connected = false;
      if (!client) return;
      if (!client.connected) return void client.end(true);
      // A clean DISCONNECT, bounded: a dead link must not hold up the gateway's stop.
      await new Promise<void>((resolve) => {
        const cancel = clock.setTimeout(() => {
          client.end(true);
          resolve();
        }, 2000);
        client.end(false, () => {
          cancel();
          resolve();
        });
      });
    },
  };
}

type Chunk = { chunk: Buffer | string; encoding: BufferEncoding };
interface SocketInternals {
  setNoDelay?(on: boolean): void;
  _write?(chunk: Buffer, encoding: BufferEncoding | 'buffer', cb: (err?: Error | null) => void): void;
  _writev?(chunks: Chunk[], cb: (err?: Error | null) => void): void;
}

function tuneSocket(stream: unknown): void {
  const socket = stream as SocketInternals | undefined;
  if (!socket) return;
  // TCP_NODELAY: Nagle's algorithm holds small PUBLISH and PUBACK packets back while earlier ones
  // are unacknowledged, which stalls a pipelined window (the embedded broker sets it too).
  socket.setNoDelay?.(true);
  // mqtt-packet writes a packet as many small buffers (two per user property) and corks the socket
  // per packet, so a burst of publishes became one writev of thousands of buffers: the largest cost
  // of draining a backlog. One copy into a single buffer is cheaper (the Writable _writev contract).
  const write = socket._write?.bind(socket);
  if (!write || !socket._writev) return;
  socket._writev = (chunks, cb) => write(Buffer.concat(chunks.map((c) => (typeof c.chunk === 'string' ? Buffer.from(c.chunk, c.encoding) : c.chunk))), 'buffer', cb);
}
