// Reads a process's CPU time and memory from /proc (utime+stime, VmRSS, VmHWM), and the machine's CPU.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcSnapshot {
  /** When it was read, performance.now() ms. */
  at: number;
  /** utime + stime, in ms. */
  cpuMs: number;
  rssKb: number;
  /** Peak RSS since the process started. */
  hwmKb: number;
}

export function readProc(pid: number): ProcSnapshot {
  const at = performance.now();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { at, cpuMs, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** Samples VmRSS of a process every `intervalMs` and keeps the maximum seen since the last reset. */
export function startRssSampler(pid: number, intervalMs = 100): { maxRssKb(): number; reset(): void; stop(): void } {
  let max = 0;
  const sample = (): void => {
    try {
      max = Math.max(max, readProc(pid).rssKb);
    } catch {
      // The process is gone; the last maximum stands.
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    maxRssKb: () => (sample(), max),
    reset: () => {
      max = 0;
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

export interface MachineCpu {
  /** Busy (non-idle, non-iowait) time of all CPUs, ms. */
  busyMs: number;
  totalMs: number;
}

/** The whole machine's CPU time from /proc/stat, to tell whether something else was busy. */
export function readMachineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const toMs = 1000 / ticksPerSecond();
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busyMs: busy * toMs, totalMs: (busy + idle! + iowait!) * toMs };
}
