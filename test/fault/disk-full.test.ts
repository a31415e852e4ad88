// Disk full (the CI variant: PRAGMA max_page_count): nothing is acknowledged that was not committed,
// the process stays up and says why, and ingest resumes by itself when space returns.
import { afterEach, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { startInProcess, type InProcessGateway } from '../helpers/in-process.ts';

let gw: InProcessGateway | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  await gw?.close();
});

const event = (n: number): string => JSON.stringify({ specversion: '1.0', id: `d-${n}`, source: '/disk', type: 'test.fill', data: { n, pad: 'x'.repeat(3000) } });

async function publisher(url: string): Promise<MqttClient> {
  const c = await connectAsync(url, { reconnectPeriod: 0, clientId: `filler-${clients.length}` });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

describe('disk full', () => {
  it('withholds acknowledgements while commits fail, stays up, says why, and resumes when space returns', async () => {
    gw = await startInProcess();
    const db = gw.core.db;
    const first = await publisher(gw.url);
    for (let n = 0; n < 5; n++) await first.publishAsync('cloudevents/disk', event(n), { qos: 1 });
    // Room for only a few more pages.
    db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 8}`);

    const acked = new Set<number>();
    const full = await publisher(gw.url);
    const gone = new Promise<void>((resolve) => full.once('close', () => resolve()));
    for (let n = 5; n < 105; n++) full.publish('cloudevents/disk', event(n), { qos: 1 }, (err) => !err && acked.add(n));
    await gone;

    const stored = new Set(gw.core.events.query({ type: 'test.fill' }).map((e) => (e.data as { n: number }).n));
    expect([...acked].filter((n) => !stored.has(n))).toEqual([]);
    expect(stored.size).toBeLessThan(105);
    expect(gw.core.storage.state()).toMatchObject({ writable: false, code: 'SQLITE_FULL', problem: expect.stringMatching(/disk .* is full/) });
    expect(gw.errors.filter((e) => e.includes('cannot take writes'))).toHaveLength(1);

    // Space returns: the client resends what was not acknowledged, and it is stored, with no restart.
    db.pragma('max_page_count = 4294967294');
    const again = await publisher(gw.url);
    for (let n = 5; n < 105; n++) if (!acked.has(n)) await again.publishAsync('cloudevents/disk', event(n), { qos: 1 });
    const after = gw.core.events.query({ type: 'test.fill' }).map((e) => (e.data as { n: number }).n);
    expect(new Set(after).size).toBe(105);
    expect(after.length).toBe(105);
    expect(gw.core.storage.state()).toEqual({ writable: true, failedCommits: 0 });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});
