// `firstlight doctor` on real setups: a healthy one passes, and induced problems (a rule anyone may
// change, a damaged database, a port another program holds) are each reported with a fix, exit 1.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync, writeSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/log/database.ts';
import { checkDatabase } from '../../gateway/ops/doctor/database-check.ts';
import { checkRules } from '../../gateway/ops/doctor/rules-check.ts';
import { initSetup } from '../../gateway/ops/init/init.ts';
import { runCli, tempDir } from '../helpers/gateway-process.ts';

const root = tempDir('firstlight-doctor-');
let n = 0;
let server: Server | undefined;
afterEach(() => server?.close());
afterAll(() => root.remove());

/**
 * No NTP tools on the PATH: the clock check then warns that it cannot tell, on any machine (one with
 * NTP switched off would otherwise fail these runs for a reason they are not about).
 */
const noTools = { PATH: join(root.path, 'no-tools') };

async function site(): Promise<{ dir: string; config: string; db: string }> {
  const dir = join(root.path, `site-${++n}`);
  await initSetup({ dir });
  return { dir, config: join(dir, 'firstlight.yaml'), db: join(dir, 'data', 'firstlight.db') };
}

/** A log with enough pages that damage in the middle hits table data. */
function fillLog(file: string): void {
  const db = openDatabase({ file });
  const insert = db.prepare("INSERT INTO events (id, source, type, time, data) VALUES (?, '/t', 'test.ping', '2026-01-01T00:00:00Z', ?)");
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(`e${i}`, JSON.stringify({ pad: 'x'.repeat(200) }));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A page of table data in the middle of the events table, where a failing SD card's damage lands most. */
function leafOfEvents(file: string): { pageno: number; pageSize: number } {
  const db = openDatabase({ file });
  try {
    const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = 'event_log' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    return { pageno: leaves[Math.floor(leaves.length / 2)]!, pageSize: db.pragma('page_size', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/** One check's lines of the report, with their fixes. */
const lines = (stdout: string, check: string): string =>
  stdout.split('\n').filter((l, i, all) => new RegExp(`^\\S+\\s+${check}\\s`).test(l) || (l.includes('fix:') && new RegExp(`^\\S+\\s+${check}\\s`).test(all[i - 1] ?? ''))).join('\n');

describe('firstlight doctor', () => {
  it('passes a fresh setup: exit 0, every check named', async () => {
    const { config } = await site();
    const { code, stdout } = await runCli(['doctor', '--config', config, '--mqtt-port', '0', '--http-port', '0'], noTools);
    expect(stdout).not.toContain('FAIL');
    for (const check of ['node', 'disk', 'filesystem', 'clock', 'rules', 'port-mqtt', 'port-http', 'database']) expect(stdout).toMatch(new RegExp(`^(ok|warn)\\s+${check}\\s`, 'm'));
    expect(stdout).toMatch(/rules\s+\d+ rules load/);
    expect(stdout).toMatch(/^warn\s+clock\s+cannot tell/m);
    expect(code).toBe(0);
  });

  it('reports a rule anyone may change, a damaged database and a taken port, each with its fix, and exits 1', async () => {
    const { dir, config, db } = await site();
    const rule = join(dir, 'rules', 'room-presence.ts');
    chmodSync(rule, 0o666);
    fillLog(db);
    // Scribble over pages in the middle of the file, as a failing SD card would.
    const { pageno, pageSize } = leafOfEvents(db);
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(2 * pageSize, 0x5a), 0, 2 * pageSize, (pageno - 1) * pageSize);
    closeSync(fd);
    server = createServer();
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const { code, stdout } = await runCli(['doctor', '--config', config, '--mqtt-port', String(port), '--http-port', '0'], noTools);
    expect(lines(stdout, 'rules')).toContain(`FAIL  rules       ${rule} is writable by every user (mode 666)`);
    expect(lines(stdout, 'rules')).toContain(`fix: chmod o-w ${rule}`);
    // SQLite's own words: quick_check lists damaged index pages; damage to table data stops it short.
    expect(lines(stdout, 'database')).toMatch(/^FAIL  database\s+.*firstlight\.db is damaged: .*(Page|page|malformed)/m);
    expect(lines(stdout, 'database')).toContain('restore your newest backup');
    expect(lines(stdout, 'port-mqtt')).toContain(`FAIL  port-mqtt   mqtt port 127.0.0.1:${port} is in use by another program`);
    expect(lines(stdout, 'port-mqtt')).toContain(`sport = :${port}`);
    expect(stdout).toMatch(/^3 problems to fix/m);
    expect(code).toBe(1);
  });

  it('sends a missing rules directory back to init', async () => {
    const findings = await checkRules(join(root.path, 'nowhere'), {});
    expect(findings).toEqual([expect.objectContaining({ check: 'rules', status: 'fail', message: expect.stringContaining('rules directory not found') as string, fix: expect.stringContaining('firstlight init') as string })]);
  });

  it('reads a log without changing it, and tells the newest event time to the clock check', async () => {
    const { db } = await site();
    fillLog(db);
    const report = checkDatabase(db);
    expect(report.findings).toEqual([expect.objectContaining({ status: 'ok', message: expect.stringContaining('passes quick_check: 2000 events') as string })]);
    expect(report.newestEvent).toBe('2026-01-01T00:00:00Z');
    const check = new Database(db, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('points a log with 4 KiB pages (from before 1 KiB became the default) to the rewrite that shrinks them', async () => {
    const { db } = await site();
    openDatabase({ file: db, pageSize: 4096 }).close();
    const [finding] = checkDatabase(db).findings;
    expect(finding).toEqual(expect.objectContaining({ status: 'warn', message: expect.stringContaining('4 KiB pages write more per event') as string }));
    expect(finding!.fix).toContain(`firstlight backup --data ${dirname(db)} --page-size 1024 ${db}.new`);
  });
});
