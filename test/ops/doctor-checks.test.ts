// The doctor's checks that depend on the machine, driven with what a Pi would show them.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkClock, type RunCommand } from '../../gateway/ops/doctor/clock-check.ts';
import { mountOf, parseMountInfo } from '../../gateway/ops/doctor/disk-check.ts';
import { checkFsync, type FsyncProbe } from '../../gateway/ops/doctor/fsync-check.ts';
import { checkNode } from '../../gateway/ops/doctor/node-check.ts';
import { tempDir } from '../helpers/gateway-process.ts';

/** Answers as the named commands would; any other command is "not installed". */
const commands = (answers: Record<string, { code: number; stdout: string }>): RunCommand => async (cmd) => answers[cmd];
const noFile = (): boolean => false;

describe('the clock check', () => {
  it('trusts timedatectl when systemd is there', async () => {
    expect(await checkClock({ run: commands({ timedatectl: { code: 0, stdout: 'yes\n' } }), exists: noFile })).toEqual([expect.objectContaining({ status: 'ok', message: 'synchronised (timedatectl)' })]);
    const [f] = await checkClock({ run: commands({ timedatectl: { code: 0, stdout: 'no\n' } }), exists: noFile });
    expect(f).toMatchObject({ status: 'fail', fix: expect.stringContaining('timedatectl set-ntp true') as string });
  });

  it('asks chrony without systemd, and says so when nothing can tell', async () => {
    const chrony = (leap: string) => commands({ timedatectl: { code: 1, stdout: '' }, chronyc: { code: 0, stdout: `Reference ID    : C0A80001\nLeap status     : ${leap}\n` } });
    expect((await checkClock({ run: chrony('Normal'), exists: noFile }))[0]).toMatchObject({ status: 'ok', message: 'synchronised (chronyc)' });
    expect((await checkClock({ run: chrony('Not synchronised'), exists: noFile }))[0]).toMatchObject({ status: 'fail' });
    expect((await checkClock({ run: commands({}), exists: (p) => p === '/run/systemd/timesync/synchronized' }))[0]).toMatchObject({ status: 'ok' });
    expect((await checkClock({ run: commands({}), exists: noFile }))[0]).toMatchObject({ status: 'warn', fix: expect.stringContaining('NTP') as string });
  });

  it('fails a clock that is behind the newest event in the log (a Pi booted without network)', async () => {
    const findings = await checkClock({ run: commands({ timedatectl: { code: 0, stdout: 'yes\n' } }), exists: noFile, now: new Date('2026-01-01T00:00:00Z'), newestEvent: '2026-03-01T12:00:00Z' });
    expect(findings[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('behind the newest event') as string });
  });
});

describe('the Node.js check', () => {
  it('fails below 20.19, warns on a line past its end of life, passes a supported one', () => {
    expect(checkNode('18.20.4', new Date('2026-01-01'))).toMatchObject({ status: 'fail', fix: expect.stringContaining('Node.js 22') as string });
    expect(checkNode('20.18.0', new Date('2026-01-01')).status).toBe('fail');
    expect(checkNode('20.19.0', new Date('2026-01-01')).status).toBe('ok');
    expect(checkNode('20.20.2', new Date('2026-11-26')).status).toBe('warn');
    expect(checkNode('22.12.0', new Date('2026-11-26')).status).toBe('ok');
  });
});

describe('the filesystem check', () => {
  const mountinfo = [
    '22 1 179:2 / / rw,noatime shared:1 - ext4 /dev/mmcblk0p2 rw',
    '30 22 0:27 / /run rw,nosuid shared:5 - tmpfs tmpfs rw,size=98304k',
    '40 22 0:40 / /mnt/nas\\040share rw,relatime shared:9 - nfs4 nas:/export rw,vers=4.2',
  ].join('\n');

  it('finds the mount of a path, spaces in mount points included', () => {
    const mounts = parseMountInfo(mountinfo);
    expect(mountOf('/var/lib/firstlight', mounts)).toMatchObject({ mountPoint: '/', fsType: 'ext4', source: '/dev/mmcblk0p2' });
    expect(mountOf('/run/firstlight', mounts)).toMatchObject({ fsType: 'tmpfs' });
    expect(mountOf('/mnt/nas share/log', mounts)).toMatchObject({ fsType: 'nfs4' });
    expect(mountOf('/runner', mounts)).toMatchObject({ mountPoint: '/' });
  });
});

describe('the fsync check', () => {
  const dir = tempDir('firstlight-fsync-');
  afterEach(() => dir.remove());
  const slowCard: FsyncProbe = (_dir, rounds) => Array.from({ length: rounds }, (_, i) => (i === 0 ? 400 : 30));

  it('measures real fsyncs in the data directory and leaves nothing behind', () => {
    mkdirSync(dir.path, { recursive: true });
    const finding = checkFsync(dir.path, 'FULL');
    expect(finding.status).toBe('ok');
    expect(finding.message).toMatch(/^an fsync in .* takes \d+\.\d ms \(median of 10; slowest \d+\.\d ms\)$/);
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it('warns about storage whose fsync every acknowledgement would wait for, and says what to do', () => {
    mkdirSync(dir.path, { recursive: true });
    const finding = checkFsync(dir.path, 'FULL', slowCard);
    expect(finding).toMatchObject({ check: 'fsync', status: 'warn' });
    expect(finding.message).toMatch(/takes 30\.0 ms \(median of 10; slowest 400\.0 ms\): every acknowledgement/);
    expect(finding.fix).toMatch(/USB SSD/);
    // With NORMAL nothing waits for it: the figure is still worth showing.
    expect(checkFsync(dir.path, 'NORMAL', slowCard)).toMatchObject({ status: 'ok', message: expect.stringMatching(/commits do not wait for it/) });
  });

  it('does not measure a data directory that does not exist yet', () => {
    expect(checkFsync(join(dir.path, 'not-yet'), 'FULL', slowCard)).toMatchObject({ status: 'ok', message: expect.stringMatching(/does not exist yet/) });
  });
});
