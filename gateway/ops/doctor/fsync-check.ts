// Doctor: how long an fsync takes where the log lives. With storage.synchronous FULL every
// acknowledgement and every command waits for one, so a slow or worn SD card shows here first.
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ok, warn, type Finding } from './finding.ts';

/** Measures `rounds` fsyncs in `dir`; returns each one's duration in ms. */
export type FsyncProbe = (dir: string, rounds: number) => number[];

const ROUNDS = 10;
/** Over this median an acknowledgement waits noticeably (an SD card in good shape takes a few ms). */
const SLOW_MEDIAN_MS = 20;
/** A single fsync this long stalls every reaction behind it. */
const SLOW_MAX_MS = 250;

/** Appends 4 KiB and fsyncs it, `rounds` times, in a scratch file it removes again. */
export const measureFsync: FsyncProbe = (dir, rounds) => {
  const scratch = mkdtempSync(join(dir, '.doctor-fsync-'));
  const fd = openSync(join(scratch, 'probe'), 'w');
  const block = Buffer.alloc(4096, 0x5a);
  const times: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      writeSync(fd, block);
      const started = performance.now();
      fsyncSync(fd);
      times.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(scratch, { recursive: true, force: true });
  }
  return times;
};

export function checkFsync(dataDir: string, synchronous: 'FULL' | 'NORMAL', probe: FsyncProbe = measureFsync): Finding {
  if (!existsSync(dataDir)) return ok('fsync', `${dataDir} does not exist yet: fsync not measured`);
  let times: number[];
  try {
    times = probe(dataDir, ROUNDS).sort((a, b) => a - b);
  } catch (err) {
    // An unwritable directory is the data-dir check's finding; this one has nothing to add.
    return ok('fsync', `not measured: cannot write in ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const median = times[Math.floor(times.length / 2)]!;
  const slowest = times.at(-1)!;
  const what = `an fsync in ${dataDir} takes ${median.toFixed(1)} ms (median of ${times.length}; slowest ${slowest.toFixed(1)} ms)`;
  if (synchronous === 'NORMAL') return ok('fsync', `${what}; with storage.synchronous NORMAL commits do not wait for it`);
  if (median > SLOW_MEDIAN_MS || slowest > SLOW_MAX_MS) {
    return warn(
      'fsync',
      `${what}: every acknowledgement and every command waits for one (storage.synchronous FULL)`,
      'slow or worn storage: an SD card of application class A1/A2, or the data directory on a USB SSD; or fewer fsyncs with storage.qos0CommitInterval or storage.synchronous NORMAL (docs/raspberry-pi.md, "Writes and SD cards")',
    );
  }
  return ok('fsync', what);
}
