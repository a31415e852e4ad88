// The shape of a bench run's results (bench/out/latest.json), and the checks against the targets.
import type { LogCounts } from './log-check.ts';
import type { MemoryBreakdown } from './proc-stats.ts';
import type { LoadTotals, PhaseResult } from './load-generator.ts';
import type { LoadInfo } from './load-choice.ts';
import type { BenchOptions } from './options.ts';
import type { WindowUsage } from './phase-meter.ts';

/** The gateway; plain aedes (the ceiling); the durable floor (bench/floor/, with --floor). */
export type TargetKey = 'gateway' | 'aedes' | 'floor';

export interface PhaseRecord extends PhaseResult {
  /** e.g. "latency-1000", "throughput-multi". */
  key: string;
  label: string;
  target: TargetKey;
  usage: WindowUsage;
  /** CPU time of the system under test per reply received in the window, µs. */
  cpuUsPerEvent: number;
  /** Open loop: whether it kept pace with the offered rate. */
  keptUp?: boolean;
  /** CPU that other processes used just before the phase, % of one core. */
  otherBeforePct: number;
  /** Other processes used more than 30% of a core during the phase: its figures are unreliable. */
  noisy: boolean;
  /** How often the phase ran (more than once when it was disturbed). */
  attempts: number;
}

export interface TargetRecord {
  target: TargetKey;
  pid: number;
  /** VmRSS after start (and, for the gateway, the device list), before any load, MB. */
  idleRssMb: number;
  /** VmHWM at the end of the run, or when the feed-cost phases began if they ran, MB. */
  peakRssMb: number;
  /** VmHWM over the feed-cost phases alone (the peak reset when they began), MB. */
  feedPeakRssMb?: number | undefined;
  /** What the RSS was made of when idle and at the end of the run. */
  memoryIdle?: MemoryBreakdown | undefined;
  memoryEnd?: MemoryBreakdown | undefined;
  totals: LoadTotals;
  /** Log lines the process wrote after its start line, by level. */
  logLines: Record<string, number>;
  problems: string[];
  exit?: number | string;
  /** Gateway: rows in its SQLite log by event type, after a clean stop. */
  log?: LogCounts;
}

export interface Check {
  what: string;
  value: string;
  target: string;
  ok: boolean;
}

export interface BenchResults {
  startedAt: string;
  elapsedS: number;
  machine: { cpus: number; model: string; node: string; loadavg: number[] };
  /** The load offered: the rooms' pattern or a simulated building's day. */
  load?: LoadInfo;
  /** Feed-cost phases with the feed attached: the feed clients' own report of what they received. */
  feedRuns?: { phase: string; report?: string | undefined; lines: string[] }[];
  /** The code measured: the commit, and how many files of the runtime differed from it. */
  code: { commit: string; changedFiles: number };
  options: BenchOptions;
  phases: PhaseRecord[];
  targets: TargetRecord[];
  checks: Check[];
}

/** Whether an open-loop phase kept pace: it published and received at (nearly) the offered rate, without a backlog. */
export function keptUp(r: PhaseResult): boolean {
  const rate = r.offeredRate ?? 0;
  return r.sentRate >= 0.97 * rate && r.throughput >= 0.97 * rate && r.outstandingAtStop <= Math.max(50, rate * 0.05);
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');

export function computeChecks(phases: PhaseRecord[], targets: TargetRecord[], options: BenchOptions): Check[] {
  const checks: Check[] = [];
  const find = (key: string, target: TargetKey) => phases.find((p) => p.key === key && p.target === target);
  for (const key of ['throughput-multi', 'throughput-single']) {
    const gw = find(key, 'gateway');
    const ae = find(key, 'aedes');
    if (gw && ae) {
      const ratio = gw.throughput / ae.throughput;
      checks.push({ what: `${gw.label}: gateway / plain aedes`, value: `${ratio.toFixed(2)}x`, target: '>= 0.5x', ok: ratio >= 0.5 });
    }
  }
  const limits: Record<number, number> = { 1000: 1, 20000: 5 };
  for (const rate of options.rates) {
    const gw = find(`latency-${rate}`, 'gateway');
    const limit = limits[rate];
    if (!gw || limit === undefined) continue;
    checks.push({ what: `p99 @ ${rate.toLocaleString('en-US')}/s`, value: ms(gw.latency.p99) + (gw.keptUp ? '' : ' (did not keep up)'), target: `<= ${limit} ms`, ok: gw.latency.p99 <= limit && gw.keptUp === true });
  }
  const gateway = targets.find((t) => t.target === 'gateway');
  if (gateway) {
    checks.push({ what: 'peak RSS (VmHWM)', value: `${gateway.peakRssMb.toFixed(0)} MB`, target: '<= 150 MB', ok: gateway.peakRssMb <= 150 });
    const t = gateway.totals;
    const lost = t.expected - t.matched;
    checks.push({
      what: 'every publish produced its command',
      value: `${t.matched.toLocaleString('en-US')} of ${t.expected.toLocaleString('en-US')} (lost ${lost}, mismatched ${t.mismatches}, unexpected ${t.unexpected}, publish errors ${t.publishErrors})`,
      target: 'lost 0',
      ok: lost === 0 && t.mismatches === 0 && t.unexpected === 0 && t.publishErrors === 0 && (options.qos === 0 || t.acked === t.published),
    });
    if (gateway.log) {
      const rows = gateway.log.byType;
      const occupancy = rows['sensor.occupancy'] ?? 0;
      const commands = rows['command.light'] ?? 0;
      const bad = (rows['rule.failed'] ?? 0) + (rows['input.rejected'] ?? 0) + (rows['command.failed'] ?? 0) + (rows['command.expired'] ?? 0);
      checks.push({
        what: 'SQLite log: sensor.occupancy rows = occupancy messages published',
        value: `${occupancy.toLocaleString('en-US')} = ${t.occupancy.toLocaleString('en-US')}; command.light ${commands.toLocaleString('en-US')}; failed/rejected ${bad}`,
        target: 'equal, 0 failed',
        // One extra command per room: the flagship rule's ON when the room was first entered.
        ok: occupancy === t.occupancy && commands === t.expected + t.other && bad === 0,
      });
    }
  }
  const feedOff = find('feed-off-throughput', 'gateway');
  const feedOn = find('feed-on-throughput', 'gateway');
  if (feedOff && feedOn) {
    const ratio = feedOn.throughput / feedOff.throughput;
    checks.push({ what: `throughput with ${options.feedClients} feed clients / without`, value: `${ratio.toFixed(2)}x`, target: '>= 0.9x', ok: ratio >= 0.9 });
  }
  const at5kOff = find('feed-off-5000', 'gateway');
  const at5kOn = find('feed-on-5000', 'gateway');
  if (at5kOff && at5kOn) {
    const ratio = at5kOn.usage.cpuMs / at5kOff.usage.cpuMs;
    checks.push({
      what: `gateway CPU @ 5,000/s with ${options.feedClients} feed clients / without`,
      value: `${ratio.toFixed(2)}x${at5kOn.keptUp ? '' : ' (did not keep up)'}`,
      target: '<= 1.1x',
      ok: ratio <= 1.1 && at5kOn.keptUp === true,
    });
  }
  return checks;
}
