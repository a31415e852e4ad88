// Writes bench/RESULTS.md after a full run: the machine, the versions, the exact command, the table
// as printed, the plain-aedes ceiling measured in the same run and the ratio, and the JSON's path.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { REPO } from './gateway-process.ts';
import type { BenchResults, PhaseRecord, TargetKey } from './results.ts';

export interface MachineSnapshot {
  at: string;
  loadavg: number[];
  freeMemMb: number;
}

export const machineSnapshot = (): MachineSnapshot => ({ at: new Date().toISOString(), loadavg: loadavg(), freeMemMb: freemem() / 2 ** 20 });

const require = createRequire(join(REPO, 'package.json'));

function version(pkg: string): string {
  try {
    const file = pkg === 'firstlight' ? join(REPO, 'package.json') : join(REPO, 'node_modules', pkg, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function sqliteVersion(): string {
  try {
    const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): { pluck(): { get(): unknown } }; close(): void };
    const db = new Database(':memory:');
    const v = String(db.prepare('select sqlite_version()').pluck().get());
    db.close();
    return v;
  } catch {
    return 'unknown';
  }
}

const la = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' / ');

export function writeResultsMd(r: BenchResults, table: string, before: MachineSnapshot, after: MachineSnapshot): string {
  const file = join(REPO, 'bench/RESULTS.md');
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`));
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const env = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v}`);
  const find = (key: string, target: TargetKey) => r.phases.find((p) => p.key === key && p.target === target);
  // With --floor, the durable floor's figures sit between the gateway's and the ceiling's.
  const withFloor = r.options.targets.includes('floor');
  const ceiling: string[] = [];
  for (const key of [...new Set(r.phases.map((p) => p.key))].filter((k) => !k.startsWith('feed-'))) {
    const gw = find(key, 'gateway');
    const ae = find(key, 'aedes');
    if (!gw || !ae) continue;
    const fl = find(key, 'floor');
    const row = (what: string, value: (p: PhaseRecord) => string, ratio: string): string =>
      `| ${what} | ${value(gw)} |${withFloor ? ` ${fl ? value(fl) : '-'} |` : ''} ${value(ae)} | ${ratio} |`;
    if (key.startsWith('throughput')) {
      ceiling.push(row(gw.label, (p) => `${Math.round(p.throughput).toLocaleString('en-US')} events/s`, `${(gw.throughput / ae.throughput).toFixed(2)}x`));
    } else {
      ceiling.push(row(`${gw.label}, p99`, (p) => `${p.latency.p99.toFixed(2)} ms`, `${(gw.latency.p99 / ae.latency.p99).toFixed(1)}x`));
    }
    ceiling.push(row(`${gw.label}, CPU per event`, (p) => `${p.cpuUsPerEvent.toFixed(1)} µs`, `${(gw.cpuUsPerEvent / ae.cpuUsPerEvent).toFixed(2)}x`));
  }
  const mix = r.load?.building?.mix;
  const text = [
    '# Bench results',
    '',
    `The latest full run of \`npm run bench\`, written by the bench itself (bench/results-md.ts); \`--quick\` runs leave this file alone unless given \`--write-results\`.`,
    '',
    `- **Command**: \`${command}\`${env.length ? ` with ${env.map((e) => `\`${e}\``).join(', ')}` : ''}`,
    `- **When**: ${r.startedAt}, ${r.elapsedS.toFixed(0)} s; commit ${r.code.commit}${r.code.changedFiles ? ` with ${r.code.changedFiles} changed runtime files in the working tree` : ''}`,
    `- **Load**: ${r.load?.description ?? `${r.options.rooms} rooms`}`,
    ...(mix ? [`- **Message mix of the day**: ${Object.entries(mix).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')}`] : []),
    `- **Machine**: ${r.machine.model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(before.freeMemMb / 1024).toFixed(1)} GiB free before)`,
    `- **Load average (1/5/15 min)**: before ${la(before.loadavg)}, after ${la(after.loadavg)}`,
    `- **Versions**: Node ${process.version}, aedes ${version('aedes')}, better-sqlite3 ${version('better-sqlite3')} (SQLite ${sqliteVersion()}), mqtt ${version('mqtt')}, firstlight ${version('firstlight')}`,
    `- **JSON**: \`${relative(REPO, r.options.out)}\` (git-ignored; every figure of this run)`,
    '',
    withFloor ? '## Plain-aedes ceiling and the durable floor, measured in the same run' : '## Plain-aedes ceiling, measured in the same run',
    '',
    withFloor ? '| phase | gateway | durable floor | plain aedes | ratio (gateway / aedes) |' : '| phase | gateway | plain aedes | ratio |',
    withFloor ? '|---|---:|---:|---:|---:|' : '|---|---:|---:|---:|',
    ...ceiling,
    '',
    '## The table as printed',
    '',
    '```',
    table,
    '```',
    '',
  ].join('\n');
  writeFileSync(file, text);
  return relative(REPO, file);
}
