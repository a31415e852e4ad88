// Doctor: room left on the data directory's disk, what kind of filesystem holds it, and can we write there.
import { accessSync, constants, existsSync, readFileSync, realpathSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fail, ok, warn, type Finding } from './finding.ts';

export interface Mount {
  mountPoint: string;
  fsType: string;
  source: string;
  options: string[];
}

/** Parses /proc/self/mountinfo (man 5 proc): "... mountpoint options ... - fstype source superoptions". */
export function parseMountInfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fsType = '', source = '', superOptions = ''] = right.split(' ');
    // Octal escapes (\040 for a space) in paths.
    const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    mounts.push({ mountPoint: unescape(f[4] ?? ''), fsType, source: unescape(source), options: [...(f[5] ?? '').split(','), ...superOptions.split(',')] });
  }
  return mounts;
}

/** The mount holding `path` (the longest mount point that is a prefix of it). */
export function mountOf(path: string, mounts: Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const inside = path === m.mountPoint || path.startsWith(m.mountPoint.endsWith('/') ? m.mountPoint : m.mountPoint + '/');
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

/** The directory itself if it exists, else its nearest existing parent (init creates the rest). */
function existingAncestor(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return realpathSync(p);
}

const MiB = 1024 * 1024;
const NETWORK_FS = /^(nfs4?|cifs|smb3?|fuse\.sshfs|9p|ceph|glusterfs)$/;

export function checkDisk(dataDir: string, mountInfo = (): string => readFileSync('/proc/self/mountinfo', 'utf8')): Finding[] {
  const dir = existingAncestor(dataDir);
  const findings: Finding[] = [];
  const s = statfsSync(dir);
  const free = s.bavail * s.bsize;
  const share = s.blocks > 0 ? s.bavail / s.blocks : 1;
  const where = `${(free / MiB).toFixed(0)} MiB free (${(share * 100).toFixed(0)}%) for ${dataDir}`;
  if (free < 200 * MiB || share < 0.02) {
    findings.push(fail('disk', where, 'free space on that disk (old logs, journald: "journalctl --vacuum-size=100M"), or move the data directory to a larger disk'));
  } else if (free < 1024 * MiB || share < 0.1) {
    findings.push(warn('disk', where, 'the log grows with every event: free space, or move the data directory to a larger disk'));
  } else {
    findings.push(ok('disk', where));
  }

  let mounts: Mount[] = [];
  try {
    mounts = parseMountInfo(mountInfo());
  } catch {
    // Not Linux, or /proc not mounted: the filesystem is unknown, which is no fault of the setup.
  }
  const m = mountOf(dir, mounts);
  if (!m) findings.push(ok('filesystem', `${dataDir}: filesystem unknown (no /proc/self/mountinfo)`));
  else {
    const what = `${dataDir} is on ${m.fsType} (${m.source}, mounted at ${m.mountPoint})`;
    if (m.options.includes('ro')) findings.push(fail('filesystem', `${what}, read-only`, 'mount it read-write, or point the data directory (--data, storage in the config) at a writable disk'));
    else if (NETWORK_FS.test(m.fsType)) {
      findings.push(fail('filesystem', `${what}: a network filesystem`, 'SQLite\'s locking and WAL need a local disk; move the data directory to one'));
    } else if (m.fsType === 'tmpfs' || m.fsType === 'ramfs') {
      findings.push(warn('filesystem', `${what}: in memory, the log is lost at every reboot`, 'point the data directory at a disk unless losing the log on reboot is what you want'));
    } else if (/mmcblk/.test(m.source)) {
      findings.push(ok('filesystem', `${what}: an SD card; see "Writes and SD cards" in docs/raspberry-pi.md to make it last`));
    } else findings.push(ok('filesystem', what));
  }

  if (existsSync(dataDir)) {
    try {
      accessSync(dataDir, constants.W_OK | constants.X_OK);
    } catch {
      findings.push(fail('data-dir', `${dataDir} is not writable by this user (uid ${process.getuid?.() ?? '?'})`, `give the user that runs firstlight the directory: sudo chown -R <user> ${dataDir}`));
    }
  }
  return findings;
}
