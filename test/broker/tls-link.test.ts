// mqtts:// to a broker whose certificate a private CA signed: trusted through caFile, refused without.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedClock } from '../../gateway/clock.ts';
import { resolveLink } from '../../gateway/broker/link-options.ts';
import { startReconnectingClient } from '../../gateway/broker/reconnecting-client.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';

const silent = { info() {}, warn() {}, error() {} };
const certs = tempDir('firstlight-certs-');
let broker: Mosquitto;

beforeAll(async () => {
  const at = (name: string) => join(certs.path, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs.path, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=firstlight test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(at('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  broker = await startMosquitto({ extra: [`cafile ${at('ca.pem')}`, `certfile ${at('server.pem')}`, `keyfile ${at('server.key')}`] });
});
afterAll(async () => {
  await broker?.remove();
  certs.remove();
});

function connect(caFile?: string) {
  const link = resolveLink({ url: `mqtts://127.0.0.1:${broker.port}`, caFile, keepalive: 30_000, rejectUnauthorized: true, reconnect: { min: 1000, max: 2000 } }, 'tls-test');
  let connected = false;
  // The simulated clock never advances here: one attempt, no retries.
  const rc = startReconnectingClient({ name: 'test', link, protocol: 4, clock: new SimulatedClock(), log: silent, onConnect: () => void (connected = true) });
  return { rc, connected: () => connected };
}

describe('TLS links', () => {
  it('connects over mqtts when caFile names the CA that signed the broker certificate', async () => {
    const { rc, connected } = connect(join(certs.path, 'ca.pem'));
    await vi.waitFor(() => expect(connected()).toBe(true));
    // A burst of publishes goes through the TLS socket's coalesced writes and is acknowledged.
    await Promise.all(Array.from({ length: 50 }, (_, n) => rc.client!.publishAsync('sites/t/events/x', String(n), { qos: 1 })));
    await rc.close();
  });

  it('refuses a broker certificate it cannot verify', async () => {
    const { rc, connected } = connect();
    await vi.waitFor(() => expect(rc.stats.lastError).toMatch(/certificate/i));
    expect(connected()).toBe(false);
    await rc.close();
  });
});
