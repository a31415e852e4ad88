// Doctor: is the clock synchronised? A Raspberry Pi has no real-time clock: until NTP sets it, it runs
// from wherever the last shutdown left it, and events, timers and --since would carry that time.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fail, ok, warn, type Finding } from './finding.ts';

/** Runs a command; undefined when it is not installed or cannot run here. */
export type RunCommand = (cmd: string, args: string[]) => Promise<{ code: number; stdout: string } | undefined>;

export const runCommand: RunCommand = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000, encoding: 'utf8' }, (err, stdout) => {
      const code = err ? (err as NodeJS.ErrnoException).code : 0;
      if (code === 'ENOENT' || code === 'EACCES') resolve(undefined);
      else resolve({ code: typeof code === 'number' ? code : err ? 1 : 0, stdout });
    });
  });

export interface ClockDeps {
  run?: RunCommand;
  exists?: (path: string) => boolean;
  now?: Date;
  /** Time of the newest event in the log, if there is one. */
  newestEvent?: string | undefined;
}

/** Synchronised, not synchronised, or unknown (and how it was told). */
async function synchronised(run: RunCommand, exists: (p: string) => boolean): Promise<{ synced: boolean | undefined; how: string }> {
  // systemd: timesyncd, chrony or ntpd all report through timedated.
  const t = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value']);
  if (t && t.code === 0 && /^(yes|no)$/.test(t.stdout.trim())) return { synced: t.stdout.trim() === 'yes', how: 'timedatectl' };
  // Without systemd (a container, another init): ask the NTP daemons directly.
  const c = await run('chronyc', ['tracking']);
  if (c && c.code === 0) {
    const leap = /Leap status\s*:\s*(.+)/.exec(c.stdout)?.[1]?.trim();
    if (leap) return { synced: leap !== 'Not synchronised', how: 'chronyc' };
  }
  const n = await run('ntpq', ['-c', 'rv 0 sync_ntp,leap']);
  if (n && n.code === 0 && /leap=/.test(n.stdout)) return { synced: !/leap=(11|alarm)/.test(n.stdout), how: 'ntpq' };
  // systemd-timesyncd touches this file once it has synchronised (systemd 239+).
  if (exists('/run/systemd/timesync/synchronized')) return { synced: true, how: '/run/systemd/timesync/synchronized' };
  return { synced: undefined, how: '' };
}

export async function checkClock(deps: ClockDeps = {}): Promise<Finding[]> {
  const run = deps.run ?? runCommand;
  const now = deps.now ?? new Date();
  const findings: Finding[] = [];
  // Whatever the daemons say, a clock behind the log's newest event went backwards (a Pi that booted
  // without network): new events would sort before old ones by time.
  if (deps.newestEvent && Date.parse(deps.newestEvent) - now.getTime() > 60_000) {
    findings.push(fail('clock', `the clock (${now.toISOString()}) is behind the newest event in the log (${deps.newestEvent})`, 'set the time (connect the network so NTP can, or "sudo date -s ..."), then restart firstlight'));
  }
  const s = await synchronised(run, deps.exists ?? existsSync);
  if (s.synced === true) findings.push(ok('clock', `synchronised (${s.how})`));
  else if (s.synced === false) {
    findings.push(fail('clock', `the clock is not synchronised (${s.how})`, 'a Raspberry Pi has no real-time clock: turn NTP on ("sudo timedatectl set-ntp true") and make sure the network reaches an NTP server'));
  } else {
    findings.push(warn('clock', 'cannot tell whether the clock is synchronised (no timedatectl, chronyc or ntpq answered)', 'run an NTP client (systemd-timesyncd or chrony): a Pi has no real-time clock'));
  }
  return findings;
}
