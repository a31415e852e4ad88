// Waits until the rest of the machine is quiet before a phase: on a shared 2-core machine another
// process's busy core would halve what the gateway and the load tool get.
import { readMachineCpu, readProc } from './proc-stats.ts';

export interface Quiet {
  /** CPU used by everything but the bench's own processes in the last sample, % of one core. */
  otherPct: number;
  waitedMs: number;
  quiet: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ownCpuMs(pids: number[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      ms += readProc(pid).cpuMs;
    } catch {
      // gone
    }
  }
  const self = process.cpuUsage();
  return ms + (self.user + self.system) / 1000;
}

/** Samples 500 ms windows until other processes use less than `thresholdPct` of a core, or `maxWaitMs` passed. */
export async function waitForQuiet(ownPids: number[], maxWaitMs: number, thresholdPct = 25): Promise<Quiet> {
  const began = performance.now();
  for (;;) {
    const m0 = readMachineCpu();
    const own0 = ownCpuMs(ownPids);
    const t0 = performance.now();
    await sleep(500);
    const ms = performance.now() - t0;
    const otherPct = Math.max(0, ((readMachineCpu().busyMs - m0.busyMs - (ownCpuMs(ownPids) - own0)) / ms) * 100);
    const waitedMs = performance.now() - began;
    if (otherPct < thresholdPct) return { otherPct, waitedMs, quiet: true };
    if (waitedMs >= maxWaitMs) return { otherPct, waitedMs, quiet: false };
  }
}
