// Measures a process over a phase's window: CPU time (utime+stime), peak RSS, the load tool's own CPU
// and the rest of the machine (a noise flag).
import { cpus } from 'node:os';
import type { WindowHooks } from './load-generator.ts';
import { busiest, readAllProcs, readMachineCpu, readProc, startRssSampler, type MachineCpu, type ProcSnapshot } from './proc-stats.ts';

export interface WindowUsage {
  /** The system under test: CPU time in the window, and as % of one core. */
  cpuMs: number;
  cpuPct: number;
  /** The part of it spent in the kernel (stime), % of one core. */
  systemPct: number;
  /** Highest VmRSS sampled in the window (every 100 ms), MB. */
  maxRssMb: number;
  /** The load tool (this process), % of one core. */
  loadToolCpuPct: number;
  /** The bench's other processes (the other target, feed clients), % of one core. */
  helperCpuPct: number;
  /** Everything else on the machine, % of one core (noise: should be small). */
  otherCpuPct: number;
  /** The other processes that used the most CPU in the window (to tell what the noise was). */
  busiestOthers: string[];
}

export interface PhaseMeter {
  hooks: WindowHooks;
  /** What the last window measured (after hooks.end ran). */
  usage(): WindowUsage;
  /** VmRSS and VmHWM now, MB. */
  memory(): { rssMb: number; hwmMb: number };
  stop(): void;
}

const mb = (kb: number): number => kb / 1024;

export function startPhaseMeter(pid: number, ownPids: () => number[]): PhaseMeter {
  const rss = startRssSampler(pid);
  let start: { proc: ProcSnapshot; self: NodeJS.CpuUsage; machine: MachineCpu; all: ReturnType<typeof readAllProcs>; helpers: Map<number, number> } | undefined;
  const helperCpu = (): Map<number, number> => {
    const m = new Map<number, number>();
    for (const p of ownPids()) {
      if (p === pid) continue;
      try {
        m.set(p, readProc(p).cpuMs);
      } catch {
        // gone
      }
    }
    return m;
  };
  let result: WindowUsage | undefined;
  return {
    hooks: {
      start() {
        rss.reset();
        start = { proc: readProc(pid), self: process.cpuUsage(), machine: readMachineCpu(), all: readAllProcs(), helpers: helperCpu() };
      },
      end() {
        if (!start) return;
        const proc = readProc(pid);
        const self = process.cpuUsage(start.self);
        const machine = readMachineCpu();
        const all = readAllProcs();
        let helperMs = 0;
        for (const [p, cpu] of helperCpu()) helperMs += cpu - (start.helpers.get(p) ?? cpu);
        const ms = proc.at - start.proc.at;
        const cpuMs = proc.cpuMs - start.proc.cpuMs;
        const loadMs = (self.user + self.system) / 1000;
        // /proc/stat counts every CPU: its busy time over the window, as % of one core.
        const machineBusyPct = ((machine.busyMs - start.machine.busyMs) / ms) * 100;
        result = {
          cpuMs,
          cpuPct: (cpuMs / ms) * 100,
          systemPct: ((proc.systemMs - start.proc.systemMs) / ms) * 100,
          maxRssMb: mb(rss.maxRssKb()),
          loadToolCpuPct: (loadMs / ms) * 100,
          helperCpuPct: (helperMs / ms) * 100,
          busiestOthers: busiest(start.all, all, ms, new Set([pid, process.pid, ...ownPids()])),
          otherCpuPct: Math.max(0, Math.min(cpus().length * 100, machineBusyPct) - (cpuMs / ms) * 100 - (loadMs / ms) * 100 - (helperMs / ms) * 100),
        };
      },
    },
    usage() {
      if (!result) throw new Error('the phase window never ended');
      return result;
    },
    memory() {
      const p = readProc(pid);
      return { rssMb: mb(p.rssKb), hwmMb: mb(p.hwmKb) };
    },
    stop: () => rss.stop(),
  };
}
