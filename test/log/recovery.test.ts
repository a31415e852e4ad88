// A corrupt log at start is detected (quick_check), moved aside with a timestamp, replaced by a fresh
// log that records why, and the gateway starts: never a crash loop. (reliability-security.md test 6)
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import Database from 'better-sqlite3';
import { SimulatedClock } from '../../gateway/clock.ts';
import { openDatabase } from '../../gateway/log/database.ts';
import { createEventStore } from '../../gateway/log/event-store.ts';
import { openLogWithRecovery } from '../../gateway/log/recovery.ts';
import { startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

/** A log of a few thousand events, closed cleanly. */
function makeLog(): { dir: string; file: string } {
  const d = tempDir();
  dirs.push(d);
  const file = join(d.path, 'firstlight.db');
  const db = openDatabase({ file, synchronous: 'NORMAL' });
  const store = createEventStore(db);
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) store.append({ id: `e${i}`, source: '/t', type: 'test.reading', time: new Date(0).toISOString(), data: { i, pad: 'x'.repeat(200) } });
  })();
  db.close();
  return { dir: d.path, file };
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const corruptions: Array<[string, (file: string) => void]> = [
  [
    'random 512-byte blocks overwritten (Home Assistant PR #46612)',
    (file) => {
      const next = random(7);
      const size = statSync(file).size;
      const fd = openSync(file, 'r+');
      for (let i = 0; i < 500; i++) {
        const block = Buffer.alloc(512);
        for (let j = 0; j < 512; j++) block[j] = Math.floor(next() * 256);
        writeSync(fd, block, 0, 512, 4096 + Math.floor(next() * (size - 4096 - 512)));
      }
      closeSync(fd);
    },
  ],
  ['truncated to half its size', (file) => truncateSync(file, Math.floor(statSync(file).size / 2))],
  [
    'filled with zeros (Mosquitto #2639)',
    (file) => {
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.alloc(statSync(file).size));
      closeSync(fd);
    },
  ],
];

describe('a corrupt log at start', () => {
  it.each(corruptions)('%s: moved aside, a fresh log records why, and the next start is normal', (_name, corrupt) => {
    const { dir, file } = makeLog();
    corrupt(file);
    const clock = new SimulatedClock(Date.UTC(2026, 2, 1, 12, 30, 0));
    const errors: unknown[] = [];
    const log = { error: (m: string, d?: Record<string, unknown>) => void errors.push({ m, ...d }) };
    const { db, recovered } = openLogWithRecovery({ file, clock, sourceBase: '/sites/t', log });
    expect(recovered?.movedTo).toBe(`${file}.corrupt.2026-03-01T12-30-00.000Z`);
    expect(existsSync(recovered!.movedTo)).toBe(true);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(createEventStore(db).query({})).toMatchObject([{ type: 'storage.corrupt', source: '/sites/t/storage', data: { file, movedTo: recovered!.movedTo, reason: expect.any(String) } }]);
    expect(errors).toHaveLength(1);
    db.close();
    // The fresh log is fine: the next start neither moves it nor records anything.
    const again = openLogWithRecovery({ file, clock, sourceBase: '/sites/t', log });
    expect(again.recovered).toBeUndefined();
    again.db.close();
    expect(readdirSync(dir).filter((f) => f.includes('.corrupt.')).length).toBeGreaterThanOrEqual(1);
  });

  it('starts normally when the -wal was deleted while the -shm stayed (only uncheckpointed commits are lost)', () => {
    const { file } = makeLog();
    const copy = `${file}.copy`;
    // A copy taken while a writer holds uncheckpointed commits in its WAL.
    const db = openDatabase({ file, synchronous: 'NORMAL' });
    db.pragma('wal_autocheckpoint = 0');
    createEventStore(db).append({ id: 'late', source: '/t', type: 'test.reading', time: new Date(0).toISOString(), data: {} });
    for (const s of ['', '-shm']) copyFileSync(file + s, copy + s);
    db.close();
    const opened = openLogWithRecovery({ file: copy, clock: new SimulatedClock(), sourceBase: '/s', log: { error() {} } });
    expect(opened.recovered).toBeUndefined();
    expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(createEventStore(opened.db).query({ type: 'test.reading' })).toHaveLength(3000);
    opened.db.close();
    rmSync(copy + '-shm', { force: true });
  });

  it('the gateway process starts on a zero-filled log and takes input at once', async () => {
    const d = tempDir();
    dirs.push(d);
    const file = join(d.path, 'firstlight.db');
    const db = openDatabase({ file });
    db.close();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(statSync(file).size || 4096));
    closeSync(fd);
    const gateway = await startGatewayProcess({ data: d.path, rules: d.path });
    try {
      expect(gateway.logs.find((l) => l.msg === 'the log was corrupt: it was moved aside and a fresh log started')).toMatchObject({ level: 50 });
      const client = await connectAsync(gateway.url, { reconnectPeriod: 0 });
      await client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id: 'after', source: '/t', type: 'test.after' }), { qos: 1 });
      await client.endAsync();
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
    const check = new Database(file, { readonly: true });
    const types = check.prepare('SELECT type FROM events ORDER BY seq').pluck().all();
    expect(types[0]).toBe('storage.corrupt');
    expect(types).toContain('test.after');
    check.close();
  });
});
