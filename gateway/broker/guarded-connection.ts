// A client connection as aedes sees it: the socket's bytes pass a fixed-header check first, so a
// packet over the size limit (or malformed in its header) closes the socket before it is parsed.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { FixedHeaderScanner } from './packet-limit.ts';

export interface GuardOptions {
  maxPacketBytes: number;
  /** Told once when a connection is cut for a bad header (for counting and rate-limited logs). */
  onViolation?(reason: string, remoteAddress: string | undefined): void;
}

/**
 * Wraps a TCP or TLS socket. Reads are checked and passed on with the socket's own backpressure;
 * writes go straight to the socket, and report `false` while the socket's buffer is full, so aedes'
 * drain handling (and its drainTimeout for frozen subscribers) still works.
 */
export class GuardedConnection extends Duplex {
  readonly #socket: Socket;
  readonly #scanner: FixedHeaderScanner;
  #violation: string | undefined;
  #corked = false;

  constructor(socket: Socket, options: GuardOptions) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#scanner = new FixedHeaderScanner(options.maxPacketBytes);
    socket.on('data', (chunk: Buffer) => {
      const reason = this.#scanner.feed(chunk);
      if (reason !== undefined) {
        this.#violation = reason;
        options.onViolation?.(reason, socket.remoteAddress);
        // Nothing of the offending packet reaches the parser: the socket is closed at once.
        socket.destroy();
        this.destroy();
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    // The socket is not half-open (net's default), so it ends its side too and closes.
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  /** Why the connection was cut, if it was. */
  get violation(): string | undefined {
    return this.#violation;
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }

  get socket(): Socket {
    return this.#socket;
  }

  override _read(): void {
    this.#socket.resume();
  }

  /**
   * Holds this turn's writes in the socket until the turn ends: a group commit acknowledges every
   * publish it took in one synchronous loop, and those PUBACKs (and the commands after them) then
   * leave in one write system call instead of one each.
   */
  #corkForTurn(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.#socket.uncork();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#corkForTurn();
    if (this.#socket.write(chunk)) callback();
    else this.#socket.once('drain', () => callback());
  }

  // mqtt-packet corks the stream while it writes one packet's pieces: send them as one socket write.
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    const socket = this.#socket;
    this.#corkForTurn();
    socket.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = socket.write(chunk);
    socket.uncork();
    if (ok) callback();
    else socket.once('drain', () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.#socket.destroy();
    callback(err);
  }
}
