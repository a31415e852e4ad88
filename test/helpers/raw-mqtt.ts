// Raw MQTT 3.1.1 bytes over a TCP socket, for protocol tests: build packets by hand, send them, and
// see what came back before the broker closed the connection (or went quiet).
import { createConnection, type Socket } from 'node:net';

/** MQTT's variable-length "remaining length" [MQTT-2.2.3]. */
export function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

/** A UTF-8 string as MQTT encodes it: two length bytes, then the bytes [MQTT-1.5.3]. */
export function mqttString(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** A packet of `type` with `flags`, whose remaining length is that of `body`. */
export function packet(type: number, flags: number, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([(type << 4) | flags]), remainingLength(b.length), b]);
}

/** CONNECT, MQTT 3.1.1, clean session, keepalive 60. */
export function connectPacket(clientId: string | Buffer, options: { flags?: number; protocol?: string; level?: number; extra?: Buffer[] } = {}): Buffer {
  return packet(1, 0, mqttString(options.protocol ?? 'MQTT'), Buffer.from([options.level ?? 4, options.flags ?? 0x02, 0, 60]), mqttString(clientId), ...(options.extra ?? []));
}

export const CONNACK_OK = '20020000';
export const PINGREQ = Buffer.from([0xc0, 0]);
export const PINGRESP = 'd000';

export interface Exchange {
  /** Everything the broker sent, as hex. */
  received: string;
  /** The broker closed the connection. */
  closed: boolean;
}

export class RawClient {
  readonly socket: Socket;
  #received = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.#received = Buffer.concat([this.#received, d]);
      this.#wake();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static async open(port: number): Promise<RawClient> {
    const socket = createConnection({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Takes what arrived so far. */
  take(): string {
    const hex = this.#received.toString('hex');
    this.#received = Buffer.alloc(0);
    return hex;
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Resolves once `hex` bytes arrived or the connection closed. */
  async until(check: () => boolean): Promise<void> {
    while (!check() && !this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async expectBytes(count: number): Promise<string> {
    await this.until(() => this.#received.length >= count);
    return this.take();
  }

  /**
   * Sends `bytes`, then a PINGREQ as a probe: the broker either closes the connection, or answers
   * the probe (so anything it sent for `bytes` arrived before the PINGRESP).
   */
  async exchange(bytes: Buffer): Promise<Exchange> {
    this.send(bytes);
    this.send(PINGREQ);
    await this.until(() => this.#received.toString('hex').endsWith(PINGRESP));
    const hex = this.take();
    return { received: this.#closed ? hex : hex.slice(0, -PINGRESP.length), closed: this.#closed };
  }

  /** Sends `bytes` and half-closes (a truncated packet that will never be completed); resolves at close. */
  async finish(bytes: Buffer): Promise<Exchange> {
    this.send(bytes);
    this.socket.end();
    await this.until(() => false);
    return { received: this.take(), closed: true };
  }

  end(): void {
    this.socket.destroy();
  }
}
