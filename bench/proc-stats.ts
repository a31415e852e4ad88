// Reads a process's CPU time and memory from /proc (utime+stime, VmRSS, VmHWM), and the machine's CPU.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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
  /** stime alone (time in the kernel on the process's behalf: syscalls, socket writes, fsync), ms. */
  systemMs: number;
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
  const systemMs = (Number(fields[12]) * 1000) / ticksPerSecond();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { at, cpuMs, systemMs, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
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

/** CPU time (ms) of every process on the machine, by pid, with its command name. */
export function readAllProcs(): Map<number, ProcCpu> {
  const all = new Map<number, ProcCpu>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const pid = Number(entry);
      all.set(pid, {
        comm: stat.slice(stat.indexOf('(') + 1, close),
        // Children of kthreadd (pid 2) are kernel threads: I/O writeback, journaling, softirqs.
        kernel: pid === 2 || fields[1] === '2',
        cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond(),
      });
    } catch {
      // exited meanwhile
    }
  }
  return all;
}

export interface ProcCpu {
  comm: string;
  kernel: boolean;
  cpuMs: number;
}

/**
 * The processes that used the most CPU between two readings, as "comm(pid) N%" of one core, with
 * kernel threads summed up. Processes that started and ended in between are not seen.
 */
export function busiest(before: Map<number, ProcCpu>, after: Map<number, ProcCpu>, ms: number, exclude: Set<number>, top = 3): string[] {
  const used: [string, number][] = [];
  let kernel = 0;
  for (const [pid, a] of after) {
    if (exclude.has(pid)) continue;
    const pct = ((a.cpuMs - (before.get(pid)?.cpuMs ?? 0)) / ms) * 100;
    if (a.kernel) kernel += pct;
    else if (pct >= 5) used.push([`${a.comm}(${pid}) ${pct.toFixed(0)}%`, pct]);
  }
  if (kernel >= 5) used.push([`kernel threads ${kernel.toFixed(0)}%`, kernel]);
  return used.sort((x, y) => y[1] - x[1]).slice(0, top).map(([s]) => s);
}

export interface MemoryBreakdown {
  rssMb: number;
  /** Anonymous memory: JS heaps (every isolate: main, workers, loader threads), malloc (SQLite's cache), stacks. */
  anonMb: number;
  /** File-backed: the node binary, shared libraries, native addons. */
  fileMb: number;
  threads: number;
}

/** What a process's RSS is made of, from /proc/<pid>/smaps_rollup. */
export function readMemoryBreakdown(pid: number): MemoryBreakdown | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    const rss = kb(rollup, 'Rss');
    const anon = kb(rollup, 'Anonymous');
    return { rssMb: rss / 1024, anonMb: anon / 1024, fileMb: (rss - anon) / 1024, threads: kb(status, 'Threads') };
  } catch {
    return undefined;
  }
}
