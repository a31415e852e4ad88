// `npm run test:faults`: the long fault runs (many kill -9 trials, a crash at every commit boundary
// for several n, SIGTERM under load, a longer fuzz run, the write cost per event), then a table of
// counts. Exits 1 if any acknowledged message went missing, was stored twice, or an invariant broke.
// FAULT_TRIALS scales the number of kill trials (default 20).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_POINTS } from '../../../gateway/fault-points.ts';
import { freePort } from '../../helpers/mosquitto.ts';
import { startInProcess } from '../../helpers/in-process.ts';
import { fuzz } from '../../security/packets/fuzz.ts';
import { faultTrial, killChain, sigtermTrial, type TrialResult, type TrialSetup } from '../harness/trials.ts';
import { measureWear } from '../harness/wear.ts';

/** A change in MB with its sign: +3.1, -2.2. */
const signed = (mb: number): string => `${mb >= 0 ? '+' : ''}${mb.toFixed(1)}`;

const trials = Number(process.env.FAULT_TRIALS ?? 20);
const dirs: string[] = [];
const setup = async (): Promise<TrialSetup> => {
  const dir = mkdtempSync(join(tmpdir(), 'firstlight-faults-'));
  dirs.push(dir);
  return { dir, port: await freePort(), nextNonce: 0 };
};

interface Row {
  scenario: string;
  trials: number;
  acknowledged: number;
  missing: number;
  duplicated: number;
  crashes: number;
  violations: number;
  note: string;
}
const rows: Row[] = [];
const problems: string[] = [];

function summarize(scenario: string, results: TrialResult[], note = ''): void {
  const restarts = results.map((r) => r.restartMs).filter((ms) => ms > 0).sort((a, b) => a - b);
  const slow = restarts.filter((ms) => ms > 5000).length;
  const row: Row = {
    scenario,
    trials: results.length,
    acknowledged: results.reduce((a, r) => a + r.acknowledged, 0),
    missing: results.reduce((a, r) => a + r.missing, 0),
    duplicated: results.reduce((a, r) => a + r.duplicated, 0),
    crashes: results.reduce((a, r) => a + r.crashes, 0),
    violations: results.reduce((a, r) => a + r.violations.length, 0) + slow,
    note:
      note ||
      (restarts.length > 0 ? `restart to CONNACK p50 ${Math.round(restarts[Math.floor(restarts.length / 2)]!)} ms, max ${Math.round(restarts.at(-1)!)} ms${slow ? ` (${slow} over 5 s)` : ''}` : ''),
  };
  rows.push(row);
  for (const r of results) for (const v of r.violations) problems.push(`${r.name}: ${v}`);
  if (slow) problems.push(`${scenario}: ${slow} restarts took more than 5 s`);
  console.error(`  ${scenario}: done`);
}

async function main(): Promise<void> {
  const started = performance.now();
  console.error(`fault runs: ${trials} kill trials, every crash point at n = 1, 2, 3, 50, SIGTERM, fuzz, wear`);

  summarize('kill -9 under QoS 1 load (10 x 1,000)', await killChain(await setup(), { trials, messages: 10_000, publishers: 10 }));

  for (const point of FAULT_POINTS) {
    const results: TrialResult[] = [];
    const s = await setup();
    for (const n of [1, 2, 3, 50]) results.push(await faultTrial(s, point, n, { messages: 400 }));
    summarize(`crash at ${point} (n = 1, 2, 3, 50)`, results);
  }

  const stops: TrialResult[] = [];
  const s = await setup();
  for (let i = 0; i < 5; i++) stops.push(await sigtermTrial(s, { messages: 5000, publishers: 5 }));
  summarize('SIGTERM under load', stops, `stop p50 ${Math.round(stops.map((r) => r.stopMs!).sort((a, b) => a - b)[2]!)} ms, max ${Math.round(Math.max(...stops.map((r) => r.stopMs!)))} ms`);

  // Fuzz, in this process, against the embedded broker with the real log behind it.
  const uncaught: unknown[] = [];
  process.on('uncaughtException', (err) => uncaught.push(err));
  const gw = await startInProcess({ brokerLimits: { maxPacketBytes: 4096 } });
  const f = await fuzz({ port: gw.broker.port, maxPacketBytes: 4096, frames: 100_000, maxMs: 60_000, seed: 7 });
  await gw.close();
  // The bound is on what stays after a full GC (RSS keeps freed pages and varies with the allocator).
  const leaked = (f.heapGrowthMb ?? f.rssGrowthMb) > 50;
  rows.push({
    scenario: 'random and mutated MQTT frames',
    trials: f.frames,
    acknowledged: 0,
    missing: 0,
    duplicated: 0,
    crashes: uncaught.length,
    violations: f.hung + f.controlFailures + (leaked ? 1 : 0),
    note: `${Math.round(f.frames / (f.ms / 1000))} frames/s, control QoS 1 p99 ${f.controlP99Ms.toFixed(1)} ms, RSS ${signed(f.rssGrowthMb)} MB, heap after GC ${f.heapGrowthMb === undefined ? '?' : signed(f.heapGrowthMb)} MB`,
  });
  if (uncaught.length || f.hung || f.controlFailures || leaked) problems.push(`fuzz: ${uncaught.length} uncaught, ${f.hung} hung, ${f.controlFailures} control failures, heap +${f.heapGrowthMb?.toFixed(1)} MB`);

  const wear = await measureWear((await setup()).dir, await freePort(), [
    { label: 'idle', rate: 0, seconds: 5 },
    { label: '10 ev/s', rate: 10, seconds: 10 },
    { label: '200 ev/s', rate: 200, seconds: 10 },
    { label: 'burst', rate: 0, seconds: 0, burst: 5000 },
  ]);

  const table = [['scenario', 'trials', 'acknowledged', 'missing', 'duplicated', 'crashes', 'violations', ''], ...rows.map((r) => [r.scenario, r.trials, r.acknowledged, r.missing, r.duplicated, r.crashes, r.violations, r.note].map(String))];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
  const line = (row: Array<string | number>): string => row.map((c, i) => (i === 0 || i === 7 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ').trimEnd();
  console.log();
  console.log(line(table[0]!));
  for (const row of table.slice(1)) console.log(line(row));
  console.log();
  console.log('bytes written per event (~400-byte QoS 1 CloudEvents, synchronous FULL, no rules):');
  for (const w of wear) {
    const per =
      w.events > 0
        ? `${Math.round(w.writeCallBytesPerEvent)} B/event by write(2), ${Math.round(w.deviceBytesPerEvent)} B/event to the device, ${(w.writeCalls / w.events).toFixed(1)} write calls/event`
        : `${Math.round((w.writeCallBytesPerEvent / w.seconds) * 60)} B/min by write(2) with no input, ${((w.writeCalls / w.seconds) * 60).toFixed(1)} write calls/min`;
    const label = w.label === 'burst' ? `burst of ${w.events} (pipelined)` : w.events === 0 ? w.label : `${w.label}, one at a time`;
    console.log(`  ${label.padEnd(28)} ${per}`);
  }
  console.log(`\n${problems.length === 0 ? 'all invariants held' : `${problems.length} problem(s):\n  ${problems.slice(0, 30).join('\n  ')}`} (${Math.round((performance.now() - started) / 1000)} s)`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}

try {
  await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
