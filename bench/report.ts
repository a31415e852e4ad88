// Renders a bench run's results as plain-text tables for stdout.
import type { MemoryBreakdown } from './proc-stats.ts';
import type { BenchResults, PhaseRecord, TargetKey } from './results.ts';

const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const f2 = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const f1 = (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const star = (p: PhaseRecord): string => (p.noisy ? ' *' : '');
const TARGET_NAMES: Record<TargetKey, string> = { gateway: 'gateway', floor: 'durable floor', aedes: 'plain aedes' };

function table(header: string[], rows: string[][], alignLeft = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  const o = r.options;
  out.push(
    `firstlight bench: ${r.load?.description ?? `${o.rooms} rooms`}; QoS ${o.qos}, ${storageLine(o)}, flagship rules + bench-light${o.isolate ? " (in the rule worker)" : ""}, ` +
      `${o.lightsReport ? 'lights report their state (commands confirmed)' : 'lights silent (confirmation deadline 1 h)'}; ` +
      `${r.machine.cpus} CPUs (${r.machine.model}), node ${r.machine.node}; phases ${o.durationMs / 1000} s (first ${o.warmupMs / 1000} s discarded); ` +
      `commit ${r.code.commit}${r.code.changedFiles ? ` + ${r.code.changedFiles} changed files` : ''}` +
      (o.targets.includes('floor') ? `; durable floor: synchronous=${o.floor.synchronous}, wal_autocheckpoint=${o.floor.walAutocheckpoint}, commits on ${o.floor.writer === 'thread' ? 'a writer thread' : 'the event loop'}` : '') +
      (o.nice !== 0 ? ` [nice ${o.nice}]` : '') +
      (o.quick ? ' [--quick]' : ''),
  );
  const phase = (key: string, target: TargetKey): PhaseRecord | undefined => r.phases.find((p) => p.key === key && p.target === target);
  const keys = [...new Set(r.phases.map((p) => p.key))].filter((k) => !k.startsWith('feed-'));

  // Summary: the figures the issue asks for, gateway beside the durable floor (--floor) and plain aedes.
  const columns = (['gateway', 'floor', 'aedes'] as const).filter((k) => r.options.targets.includes(k));
  const cells = (f: (target: TargetKey) => string): string[] => columns.map(f);
  const labelOf = (key: string): string => r.phases.find((p) => p.key === key)!.label;
  const rows: string[][] = [];
  for (const key of keys) {
    const gw = phase(key, 'gateway');
    const ae = phase(key, 'aedes');
    const label = labelOf(key);
    if (key.startsWith('throughput')) {
      const rate = (k: TargetKey): string => {
        const p = phase(key, k);
        return p ? int(p.throughput) + star(p) : '-';
      };
      rows.push([`${label}, events/s`, ...cells(rate), gw && ae ? `${f2(gw.throughput / ae.throughput)}x` : '', '>= 0.5x aedes']);
    } else {
      const lat = (k: TargetKey): string => {
        const p = phase(key, k);
        return p ? `${f2(p.latency.p50)} / ${f2(p.latency.p99)}${p.keptUp ? '' : ' (behind)'}${star(p)}` : '-';
      };
      const limit = key === 'latency-1000' ? 'p99 <= 1 ms' : key === 'latency-20000' ? 'p99 <= 5 ms' : '';
      rows.push([`${label}, p50 / p99 ms`, ...cells(lat), '', limit]);
    }
  }
  for (const key of keys) {
    const gw = phase(key, 'gateway');
    const ae = phase(key, 'aedes');
    const cpu = (k: TargetKey): string => {
      const p = phase(key, k);
      return p ? f1(p.cpuUsPerEvent) : '-';
    };
    rows.push([`CPU per event, ${labelOf(key)}, µs`, ...cells(cpu), gw && ae ? `${f2(gw.cpuUsPerEvent / ae.cpuUsPerEvent)}x` : '', '']);
  }
  const t = (k: TargetKey) => r.targets.find((x) => x.target === k);
  const gwT = t('gateway');
  rows.push(['RSS idle / peak (VmHWM), MB', ...cells((k) => (t(k) ? `${int(t(k)!.idleRssMb)} / ${int(t(k)!.peakRssMb)}` : '-')), '', 'peak <= 150 MB']);
  if (gwT?.feedPeakRssMb !== undefined) rows.push(['peak RSS (VmHWM) in the feed-cost phases, MB', ...cells((k) => (k === 'gateway' ? int(gwT.feedPeakRssMb!) : '-')), '', '']);
  const lost = (k: TargetKey): string => {
    const x = t(k);
    return x ? `${int(x.totals.expected - x.totals.matched)} of ${int(x.totals.expected)}` : '-';
  };
  const mem = (x?: { memoryIdle?: MemoryBreakdown | undefined; memoryEnd?: MemoryBreakdown | undefined }): string =>
    x?.memoryIdle && x.memoryEnd
      ? `${int(x.memoryIdle.anonMb)}+${int(x.memoryIdle.fileMb)} / ${int(x.memoryEnd.anonMb)}+${int(x.memoryEnd.fileMb)}`
      : '-';
  rows.push(['RSS anon+file idle / end, MB; threads', ...cells((k) => `${mem(t(k))}; ${t(k)?.memoryEnd?.threads ?? '-'}`), '', '']);
  rows.push(['lost (published without a reply)', ...cells(lost), '', '0']);
  out.push('', table(['measure', ...columns.map((k) => TARGET_NAMES[k]), 'ratio', 'target'], rows));

  // Per phase, the details behind the summary.
  const detail = r.phases.map((p) => [
    `${p.label}${p.noisy ? ' *' : ''}`,
    p.target,
    int(p.sentRate),
    int(p.throughput),
    f2(p.latency.p50),
    f2(p.latency.p99),
    f2(p.latency.p999),
    f2(p.latency.max),
    f2(p.ack.p99),
    p.sendLag ? f2(p.sendLag.p99) : '',
    f1(p.usage.cpuPct),
    f1(p.usage.systemPct),
    f1(p.cpuUsPerEvent),
    int(p.usage.maxRssMb),
    f1(p.usage.loadToolCpuPct),
    f1(p.usage.otherCpuPct),
    int(p.outstandingAtStop),
    int(p.drainMs),
    int(p.lost),
  ]);
  out.push(
    '',
    'Per phase (latency ms; CPU % of one core; the window excludes the warm-up):',
    table(
      ['phase', 'target', 'sent/s', 'recv/s', 'p50', 'p99', 'p99.9', 'max', 'ack p99', 'send lag p99', 'CPU %', 'sys %', 'µs/event', 'RSS MB', 'tool CPU %', 'other CPU %', 'backlog', 'drain ms', 'unanswered'],
      detail,
      2,
    ),
  );
  out.push('backlog: unanswered when the phase stopped publishing; unanswered: still without a reply after the drain timeout (a late reply still counts in the totals)');
  if (r.phases.some((p) => p.noisy)) {
    out.push('* other processes used more than 30% of a core during this phase ("other CPU %"): its figures are not reliable; rerun on a quiet machine');
    for (const p of r.phases.filter((x) => x.noisy)) out.push(`  ${p.label}, ${p.target}: ${p.usage.busiestOthers.join(', ') || 'no single process (kernel threads, interrupts)'}`);
  }

  const feedTable = renderFeedCost(r);
  if (feedTable) out.push('', feedTable);

  out.push('', 'Checks against the targets:', table(['check', 'value', 'target', 'ok'], r.checks.map((c) => [c.what, c.value, c.target, c.ok ? 'yes' : 'NO']), 3));

  if (gwT) {
    const lines = Object.entries(gwT.logLines).map(([level, n]) => `${level} ${n}`).join(', ') || 'none';
    out.push('', `gateway: exit ${gwT.exit ?? '?'} after SIGTERM; log lines after start: ${lines}`);
    if (gwT.log) out.push(`gateway log rows: ${Object.entries(gwT.log.byType).map(([k, n]) => `${k} ${int(n)}`).join(', ')}`);
    for (const p of gwT.problems) out.push(`  ${p}`);
  }
  const failed = r.checks.filter((c) => !c.ok).length;
  out.push('', `${failed === 0 ? 'all checks passed' : `${failed} of ${r.checks.length} checks failed`}; ${r.elapsedS.toFixed(0)} s in all`);
  return out.join('\n');
}

/** The feed-cost phases: the gateway with and without the live-feed clients, as ratios. */
function renderFeedCost(r: BenchResults): string | undefined {
  const find = (key: string): PhaseRecord | undefined => r.phases.find((p) => p.key === key && p.target === 'gateway');
  const rows: string[][] = [];
  const pair = (label: string, off: PhaseRecord | undefined, on: PhaseRecord | undefined, value: (p: PhaseRecord) => number, fmt: (v: number) => string, target = ''): void => {
    if (!off || !on) return;
    const ratio = value(on) / value(off);
    rows.push([label, fmt(value(off)) + star(off), fmt(value(on)) + star(on), Number.isFinite(ratio) ? `${f2(ratio)}x` : '', target]);
  };
  const off5 = find('feed-off-5000');
  const on5 = find('feed-on-5000');
  const offT = find('feed-off-throughput');
  const onT = find('feed-on-throughput');
  pair('@ 5,000/s: received events/s', off5, on5, (p) => p.throughput, int);
  pair('@ 5,000/s: gateway CPU, % of a core', off5, on5, (p) => p.usage.cpuPct, f1, '<= 1.1x');
  pair('@ 5,000/s: CPU per event, µs', off5, on5, (p) => p.cpuUsPerEvent, f1);
  pair('@ 5,000/s: p99 ms', off5, on5, (p) => p.latency.p99, f2);
  pair('@ 5,000/s: feed clients\' own CPU, % of a core', off5, on5, (p) => p.usage.helperCpuPct, f1);
  pair('closed loop: throughput, events/s', offT, onT, (p) => p.throughput, int, '>= 0.9x');
  pair('closed loop: CPU per event, µs', offT, onT, (p) => p.cpuUsPerEvent, f1);
  if (rows.length === 0) return undefined;
  const n = r.options.feedClients;
  const delivered = (r.feedRuns ?? []).map((f) => `  ${f.phase}: ${f.report ?? f.lines.at(-1) ?? 'no report'}`);
  return [
    `Feed cost: the gateway without and with ${n} live-feed clients (bench/feed-clients.ts, a child process on this machine):`,
    table(['measure', 'no feed', `${n} feed clients`, 'ratio', 'target'], rows),
    ...(delivered.length ? ['what the feed clients received:', ...delivered] : []),
  ].join('\n');
}

/** synchronous=FULL, and any other storage setting the run was given (--storage). */
function storageDescription(storage: Record<string, unknown>): string {
  const { synchronous = 'FULL', ...rest } = storage;
  return [`synchronous=${String(synchronous)}`, ...Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`)].join(', ');
}

/** The storage, and how much longer each fsync was made to take (--fsync-delay). */
function storageLine(o: BenchResults['options']): string {
  return storageDescription(o.storage) + (o.fsyncDelayMs > 0 ? `, every fsync ${o.fsyncDelayMs} ms longer (simulated slow storage)` : '');
}
