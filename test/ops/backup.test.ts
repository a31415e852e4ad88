// `firstlight backup` while the gateway ingests: the copy is consistent and holds every event
// acknowledged before the backup began.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/log/database.ts';
import { runCli, startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';

const dir = tempDir('firstlight-backup-');
afterAll(() => dir.remove());

describe('firstlight backup', () => {
  it('copies the log while QoS 1 publishes keep arriving: the copy passes integrity_check and holds every acknowledged event', async () => {
    const gateway = await startGatewayProcess({ data: join(dir.path, 'data') });
    const client = await connect(gateway.url);
    const acked: string[] = [];
    let publishing = true;
    // One publisher in a loop: each id is pushed once its PUBACK came, i.e. once it was committed.
    const load = (async () => {
      for (let i = 0; publishing; i++) {
        const id = `b-${i}`;
        await client.publishAsync('cloudevents/backup', JSON.stringify({ specversion: '1.0', id, source: '/tests/backup', type: 'test.ping', data: { i } }), { qos: 1 });
        acked.push(id);
      }
    })();
    try {
      while (acked.length < 200) await client.publishAsync('cloudevents/warmup', JSON.stringify({ specversion: '1.0', id: `w-${acked.length}`, source: '/tests/warmup', type: 'test.warmup' }), { qos: 1 });
      const ackedBefore = [...acked];
      const file = join(dir.path, 'copy.db');
      const backup = await runCli(['backup', file, '--data', join(dir.path, 'data')]);
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(/^backed up \d+ events \(up to position \d+\), [\d.]+ MiB, to .*copy\.db in \d+ ms$/m);
      const countAfter = acked.length;
      publishing = false;
      await load;

      expect(existsSync(`${file}-wal`)).toBe(false);
      const copy = new Database(file, { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        const ids = new Set((copy.prepare("SELECT id FROM events WHERE type = 'test.ping'").all() as { id: string }[]).map((r) => r.id));
        expect(ackedBefore.filter((id) => !ids.has(id))).toEqual([]);
        // The gateway kept ingesting during the backup (else this test proves little).
        expect(countAfter).toBeGreaterThan(ackedBefore.length);
      } finally {
        copy.close();
      }
    } finally {
      publishing = false;
      await load.catch(() => {});
      await client.endAsync();
      await gateway.stop();
    }
  });

  it('does not replace an existing file unless told to', async () => {
    const data = join(dir.path, 'data');
    const file = join(dir.path, 'copy.db');
    const refused = await runCli(['backup', file, '--data', data]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[FL_ERR_BACKUP_EXISTS]');
    expect(refused.stderr).toContain('--force');
    const forced = await runCli(['backup', file, '--data', data, '--force']);
    expect(forced.code).toBe(0);
  });

  it('moves a log with 4 KiB pages to 1 KiB pages (--page-size), every event and the rules\' state kept', async () => {
    const data = join(dir.path, 'old-data');
    const old = openDatabase({ file: join(data, 'firstlight.db'), pageSize: 4096 });
    const insert = old.prepare("INSERT INTO events (id, source, type, time, data) VALUES (?, '/tests/old', 'test.ping', '2026-01-01T00:00:00Z', '{}')");
    old.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(`o-${i}`);
      old.prepare("INSERT INTO rule_state (rule, key, value) VALUES ('room-presence', 'hall', '{\"occupied\":true}')").run();
    })();
    old.close();

    const file = join(dir.path, 'small-pages.db');
    const bad = await runCli(['backup', file, '--data', data, '--page-size', '1000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('use one of 1024, 2048, 4096, 8192');
    const moved = await runCli(['backup', file, '--data', data, '--page-size', '1024']);
    expect(moved.stderr).toBe('');
    expect(moved.stdout).toMatch(/^backed up 500 events \(up to position 500\)/m);
    const copy = new Database(file, { readonly: true });
    try {
      expect(copy.pragma('page_size', { simple: true })).toBe(1024);
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(copy.prepare("SELECT count(*) FROM events WHERE id LIKE 'o-%'").pluck().get()).toBe(500);
      expect(copy.prepare("SELECT value FROM rule_state WHERE rule = 'room-presence'").pluck().get()).toBe('{"occupied":true}');
    } finally {
      copy.close();
    }
  });
});
