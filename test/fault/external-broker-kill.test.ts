// External broker mode, as a process: SIGKILL of the gateway in the middle of a stream loses nothing
// the broker took, because the broker holds every message the gateway has not acknowledged.
import { afterAll, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { connect } from '../helpers/mqtt.ts';

const data = tempDir();
afterAll(() => data.remove());

const event = (n: number) => JSON.stringify({ specversion: '1.0', id: `k-${n}`, source: '/tests/publisher', type: 'test.reading', data: { n } });

async function start(brokerUrl: string): Promise<GatewayProcess> {
  const gw = await startGatewayProcess({ data: data.path, extra: ['--broker', brokerUrl, '--http-port', '0'] });
  await vi.waitFor(() => expect(gw.logs.map((l) => l.msg)).toContain('broker connected'), { timeout: 10_000 });
  return gw;
}

function count(): number {
  const db = new Database(join(data.path, 'firstlight.db'), { readonly: true });
  try {
    return db.prepare("SELECT COUNT(*) FROM events WHERE type = 'test.reading'").pluck().get() as number;
  } finally {
    db.close();
  }
}

describe('external broker: gateway killed mid-stream', () => {
  it('stores every message the broker accepted, once, after a SIGKILL and a restart', async () => {
    const broker = await startMosquitto();
    let gateway: GatewayProcess | undefined;
    try {
      gateway = await start(broker.url);
      await vi.waitFor(() => expect(gateway!.logs.map((l) => l.msg)).toContain('broker subscriptions live'), { timeout: 10_000 });
      const publisher = await connect(broker.url, 'publisher');
      const total = 3000;
      // The broker acknowledges each publish once it has it; from then on it is the gateway's to keep.
      // Paced (100 every 50 ms), so the kill lands mid-stream however fast the gateway is.
      const published = (async () => {
        for (let n = 0; n < total; n += 100) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => publisher.publishAsync('cloudevents/publisher', event(n + i), { qos: 1 })));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await vi.waitFor(() => expect(count()).toBeGreaterThanOrEqual(500), { timeout: 10_000, interval: 5 });
      gateway.proc.kill('SIGKILL');
      expect(await gateway.stop()).toBe('SIGKILL');
      await published;
      await publisher.endAsync();
      expect(count()).toBeLessThan(total);

      gateway = await start(broker.url);
      await vi.waitFor(() => expect(count()).toBe(total), { timeout: 20_000, interval: 50 });
      // Killed again: the check below reads what is durable, not what a clean stop would flush.
      expect(await gateway.stop('SIGKILL')).toBe('SIGKILL');
      gateway = undefined;
      const db = new Database(join(data.path, 'firstlight.db'), { readonly: true });
      const ids = new Set(db.prepare("SELECT id FROM events WHERE type = 'test.reading'").pluck().all() as string[]);
      expect(Array.from({ length: total }, (_, n) => `k-${n}`).filter((id) => !ids.has(id))).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    } finally {
      await gateway?.stop('SIGKILL');
      await broker.remove();
    }
  });
});
