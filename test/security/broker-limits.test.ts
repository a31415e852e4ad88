// Limits checked before the broker does work for a client: packet size before parsing, topic depth
// and length, the CONNECT deadline, open connections, the offline queue; and the TLS listener.
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import type { BrokerLimits, EmbeddedBroker } from '../../gateway/broker/embedded-broker.ts';
import { startAcceptingBroker } from '../helpers/accepting-broker.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { hasOpenssl, makeCertificate } from '../helpers/tls-cert.ts';

let broker: EmbeddedBroker | undefined;
const open: Array<{ end(): unknown }> = [];
let accepted: InboundMessage[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) o.end();
  await broker?.close();
  broker = undefined;
  accepted.length = 0;
});

async function start(limits: Partial<BrokerLimits> = {}, tls?: { cert: string; key: string }): Promise<EmbeddedBroker> {
  ({ broker, accepted } = await startAcceptingBroker({
    limits,
    tls: tls && { host: '127.0.0.1', port: 0, ...tls },
  }));
  return broker;
}
async function client(id?: string, clean = true): Promise<MqttClient> {
  const c = await connectAsync(`mqtt://127.0.0.1:${broker!.port}`, { clientId: id, clean, reconnectPeriod: 0, connectTimeout: 5000 });
  c.on('error', () => {});
  open.push({ end: () => c.end(true) });
  return c;
}
function raw(): Promise<Socket> {
  const s = createConnection({ host: '127.0.0.1', port: broker!.port });
  s.on('error', () => {});
  // Read (and drop) what the broker sends, so its FIN is seen and 'close' comes.
  s.resume();
  open.push(s);
  return once(s, 'connect').then(() => s);
}
const CONNECT = Buffer.from([0x10, 16, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 4, 0x72, 0x61, 0x77, 0x31]);
/** Resolves when the socket closes, reset or not (events.once would reject on the reset's error). */
const gone = (s: Socket): Promise<void> => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));
const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.disconnected ? resolve() : c.once('close', () => resolve())));

describe('limits before work', () => {
  it('cuts a connection at a huge declared length, without buffering what follows (Mosquitto 01-bad-initial-packets)', async () => {
    await start({ maxPacketBytes: 256 * 1024 });
    const control = await client('control');
    const rssBefore = process.memoryUsage().rss;
    const sockets = await Promise.all(Array.from({ length: 13 }, () => raw()));
    const junk = Buffer.alloc(1024 * 1024, 0x61);
    await Promise.all(
      sockets.map(async (s, i) => {
        const cut = gone(s);
        // A CONNECT, then a fixed header declaring about 244 MB (types 3..14 in turn), then data.
        s.write(CONNECT);
        s.write(Buffer.from([((3 + (i % 12)) << 4) | (i % 12 === 3 ? 2 : 0), 0x80, 0x80, 0x80, 0x74]));
        for (let mb = 0; mb < 8 && !s.destroyed; mb++) s.write(junk);
        await cut;
      }),
    );
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(20 * 1024 * 1024);
    await control.publishAsync('cloudevents/control', '{}', { qos: 1 });
    expect(accepted.map((m) => m.topic)).toEqual(['cloudevents/control']);
  });

  it('refuses topics deeper or longer than the limits', async () => {
    await start({ maxTopicLevels: 4, maxTopicLength: 64 });
    const deep = await client('deep');
    deep.publish('a/b/c/d/e', 'x', { qos: 1 });
    await closed(deep);
    const long = await client('long');
    long.publish('a'.repeat(65), 'x', { qos: 1 });
    await closed(long);
    const ok = await client('ok');
    await ok.publishAsync('a/b/c/d', 'x', { qos: 1 });
    expect(accepted.map((m) => m.topic)).toEqual(['a/b/c/d']);
  });

  it('closes a connection that sends no CONNECT within connectTimeout', async () => {
    await start({ connectTimeout: 200 });
    const s = await raw();
    const started = performance.now();
    await gone(s);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('closes a connection the client half-closed, after handling what it sent before', async () => {
    await start();
    const s = await raw();
    s.write(CONNECT);
    s.write(Buffer.from([0x30, 15, 0, 13, ...Buffer.from('cloudevents/x')]));
    s.end();
    await gone(s);
    expect(accepted.map((m) => m.topic)).toEqual(['cloudevents/x']);
  });

  it('closes connections beyond maxConnections at once, keeping the others', async () => {
    await start({ maxConnections: 3 });
    const first = await Promise.all([raw(), raw(), raw()]);
    const extra = await raw();
    await gone(extra);
    expect(first.every((s) => !s.destroyed)).toBe(true);
    first[0]!.destroy();
    await gone(first[0]!);
    // A slot is free again once the broker has seen that close.
    for (let i = 0; i < 100 && broker!.openConnections() > 2; i++) await new Promise((resolve) => setImmediate(resolve));
    const after = await client('after');
    expect(after?.connected).toBe(true);
  });

  it('keeps at most offlineQueue messages for a persistent session while it is away', async () => {
    await start({ offlineQueue: 3 });
    const device = await client('lamp', false);
    await device.subscribeAsync('z/lamp/set', { qos: 1 });
    await device.endAsync();
    for (let i = 0; i < 6; i++) await new Promise<void>((resolve, reject) => broker!.publish({ topic: 'z/lamp/set', payload: String(i), qos: 1, retain: false }, (err) => (err ? reject(err) : resolve())));
    const received: string[] = [];
    const back = await connectAsync(`mqtt://127.0.0.1:${broker!.port}`, { clientId: 'lamp', clean: false, reconnectPeriod: 0 });
    open.push({ end: () => back.end(true) });
    back.on('message', (_t, p) => received.push(p.toString()));
    for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual(['0', '1', '2']);
  });
});

describe.skipIf(!hasOpenssl())('the TLS listener', () => {
  it('speaks MQTT over TLS 1.2 and 1.3 and refuses TLS 1.0 and 1.1', async () => {
    const dir = tempDir('firstlight-tls-');
    try {
      const cert = makeCertificate(dir.path);
      await start({}, cert);
      const port = broker!.tlsPort!;
      const mqtts = await connectAsync(`mqtts://127.0.0.1:${port}`, { ca: cert.pem, reconnectPeriod: 0, clientId: 'tls' });
      await mqtts.publishAsync('cloudevents/tls', '{}', { qos: 1 });
      await mqtts.endAsync();
      expect(accepted.map((m) => m.topic)).toEqual(['cloudevents/tls']);

      const handshake = (version: SecureVersion): Promise<string> =>
        new Promise((resolve) => {
          // SECLEVEL=0 so that the client would offer the old versions; the server must refuse them.
          const s = tlsConnect({ host: '127.0.0.1', port, ca: cert.pem, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' });
          s.once('secureConnect', () => resolve(s.getProtocol() ?? '?'));
          s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
          open.push(s);
        });
      expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
      expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
      expect(await handshake('TLSv1.1')).toMatch(/PROTOCOL_VERSION|NO_PROTOCOLS/);
      expect(await handshake('TLSv1')).toMatch(/PROTOCOL_VERSION|NO_PROTOCOLS/);
    } finally {
      dir.remove();
    }
  });
});
