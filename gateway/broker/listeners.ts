// The embedded broker's network listeners: plain MQTT and MQTT over TLS (1.2 and up), each handing
// aedes a guarded connection, within one shared limit on open connections.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FirstlightError } from '../errors.ts';
import { GuardedConnection } from './guarded-connection.ts';

export interface TlsListenerOptions {
  host: string;
  port: number;
  /** PEM files. */
  cert: string;
  key: string;
}

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: TlsListenerOptions | undefined;
  maxPacketBytes: number;
  maxConnections: number;
  /** A TLS handshake not done by then is abandoned. */
  handshakeTimeoutMs: number;
  handle(connection: GuardedConnection): void;
  onViolation?(reason: string, remoteAddress: string | undefined): void;
  onRefused?(reason: string, remoteAddress: string | undefined): void;
}

export interface Listeners {
  plain: AddressInfo;
  tls: AddressInfo | undefined;
  /** Connections open now, on all listeners. */
  readonly open: number;
  stopListening(): void;
}

/**
 * node:tls, loaded only for a TLS listener, and with require: an ES import of it reads every export,
 * the root certificates among them (~1 MB of memory for a gateway without TLS).
 */
const loadTls = (): typeof import('node:tls') => createRequire(import.meta.url)('node:tls') as typeof import('node:tls');

export async function startListeners(options: ListenerOptions): Promise<Listeners> {
  let open = 0;
  const accept = (socket: Socket): void => {
    // Counted per socket, before CONNECT: idle or half-done connections use memory and file
    // descriptors too (reliability-security.md, test 24).
    if (open >= options.maxConnections) {
      options.onRefused?.(`already ${open} connections (mqtt.limits.maxConnections)`, socket.remoteAddress);
      socket.destroy();
      return;
    }
    open++;
    socket.once('close', () => open--);
    socket.setNoDelay(true);
    options.handle(new GuardedConnection(socket, { maxPacketBytes: options.maxPacketBytes, onViolation: options.onViolation }));
  };

  // TCP_NODELAY: without it Nagle plus delayed ACKs put tens of ms on small packets at high rates.
  const servers: Server[] = [];
  const plain = createServer({ noDelay: true }, accept);
  servers.push(plain);
  let tlsServer: Server | undefined;
  if (options.tls) {
    tlsServer = loadTls().createServer(
      {
        cert: readPem(options.tls.cert, 'cert'),
        key: readPem(options.tls.key, 'key'),
        // TLS 1.0 and 1.1 are broken and deprecated (RFC 8996).
        minVersion: 'TLSv1.2',
        handshakeTimeout: options.handshakeTimeoutMs,
      },
      accept,
    );
    // A failed handshake (wrong version, plain MQTT on the TLS port) ends that socket only.
    tlsServer.on('tlsClientError', () => {});
    servers.push(tlsServer);
  }
  try {
    await listen(plain, options.host, options.port);
    if (tlsServer && options.tls) await listen(tlsServer, options.tls.host, options.tls.port);
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return {
    plain: plain.address() as AddressInfo,
    tls: tlsServer?.address() as AddressInfo | undefined,
    get open() {
      return open;
    },
    stopListening() {
      for (const s of servers) s.close();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function readPem(file: string, what: 'cert' | 'key'): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FirstlightError('FL_ERR_MQTT_TLS_FILE', `cannot read mqtt.tls.${what} ${file}: ${(err as Error).message}`, [
      'name PEM files the gateway can read (relative paths are relative to the config file)',
      'a throwaway certificate for a test: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem -out cert.pem -days 365 -subj /CN=gateway',
    ]);
  }
}
