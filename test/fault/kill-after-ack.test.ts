// Acknowledged means stored: every QoS 1 publish the gateway acknowledged survives a SIGKILL.
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';

const data = tempDir();
afterAll(() => data.remove());

const event = (n: number) => JSON.stringify({ specversion: '1.0', id: `m-${n}`, source: '/tests/loader', type: 'test.reading', data: { n } });

describe('kill -9 after acknowledgement', () => {
  it('keeps every acknowledged QoS 1 message, and stores none twice after redelivery', async () => {
    const gateway = await startGatewayProcess({ data: data.path });
    const client = await connect(gateway.url, 'loader');
    client.on('error', () => {});
    const acked: number[] = [];
    const total = 2000;
    // Pipelined: all publishes in flight at once, as a Zigbee2MQTT bridge does.
    const killed = new Promise<void>((resolve) => {
      for (let n = 0; n < total; n++) {
        client.publish(`cloudevents/loader`, event(n), { qos: 1 }, (err) => {
          if (err) return;
          acked.push(n);
          // SIGKILL in the middle of the stream, right after an acknowledgement arrived.
          if (acked.length === 700) {
            gateway.proc.kill('SIGKILL');
            resolve();
          }
        });
      }
    });
    await killed;
    await gateway.stop();
    client.end(true);
    const ackedAtKill = [...acked];
    expect(ackedAtKill.length).toBeGreaterThanOrEqual(700);

    const db = new Database(join(data.path, 'firstlight.db'), { readonly: true });
    const stored = new Set((db.prepare("SELECT id FROM events WHERE type = 'test.reading'").pluck().all() as string[]));
    const missing = ackedAtKill.filter((n) => !stored.has(`m-${n}`));
    expect(missing).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    // The publisher resends everything (as it would after reconnecting): nothing is stored twice.
    const again = await startGatewayProcess({ data: data.path });
    const resender = await connect(again.url, 'loader');
    await Promise.all(Array.from({ length: total }, (_, n) => resender.publishAsync('cloudevents/loader', event(n), { qos: 1 })));
    await resender.endAsync();
    expect(await again.stop()).toBe(0);
    const after = new Database(join(data.path, 'firstlight.db'), { readonly: true });
    expect(after.prepare("SELECT COUNT(*) FROM events WHERE type = 'test.reading'").pluck().get()).toBe(total);
    after.close();
  });
});
