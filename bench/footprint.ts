// npm run bench:footprint: what the gateway costs a Raspberry Pi: idle RSS and CPU, RSS under load,
// and bytes written to disk per message at 1, 10 and 100 messages/s (/proc/<pid>/io write_bytes of
// the gateway process), with the service's settings and with the lower-wear setting. Medians of
// --runs runs (default 3), with the spread. `--only idle` or `--only load` runs half the table.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { connectAsync, type MqttClient } from 'mqtt';
import { configSchema } from '../gateway/config/schema.ts';
import { longestCheckpointWaitMs } from '../gateway/log/checkpointer.ts';
import { initSetup } from '../gateway/ops/init/init.ts';
import { shippedUnit } from '../gateway/ops/service-unit.ts';
import { readRssParts, readSample, type ProcSample } from './footprint/proc-io.ts';
import { publishAtRate } from './footprint/traffic.ts';
import { npmStartNodeFlags } from './npm-start-flags.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, idle: { type: 'string', default: '20' }, quick: { type: 'boolean' }, only: { type: 'string' } } });
if (values.only !== undefined && values.only !== 'idle' && values.only !== 'load') throw new Error(`--only takes idle or load, not ${values.only}`);
const idleRows = values.only !== 'load';
const loadRows = values.only !== 'idle';
const RUNS = Number(values.runs);
const IDLE_S = Number(values.idle);
const BIN = new URL('../gateway/cli/bin.js', import.meta.url).pathname;
const FIXTURE = new URL('../test/fixtures/z2m-bridge-devices.json', import.meta.url);
/** The node flags and environment of deploy/firstlight.service. */
const SERVICE = { flags: ['--max-semi-space-size=1'], env: serviceEnvironment() };
/** V8 without its optimising compiler: less memory, more CPU (docs/raspberry-pi.md). */
const LITE = ['--lite-mode'];
/**
 * What systemd gives the service: the unit's `Environment=` lines (read from it), and PATH, HOME and
 * LANG; none of the variables of the shell that runs the bench. A shell's NODE_EXTRA_CA_CERTS, for
 * one, makes Node parse every root certificate at start (~1.6 MB of RSS the service would not hold).
 */
function serviceEnvironment(): Record<string, string> {
  const unit = shippedUnit(new URL('..', import.meta.url).pathname);
  const basics = Object.entries(process.env).filter(([name, value]) => ['PATH', 'HOME', 'LANG'].includes(name) && value !== undefined);
  return Object.fromEntries([...basics, ...[...unit.matchAll(/^Environment=([A-Za-z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!])]) as Record<string, string>;
}
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * Long enough for the checkpoint after the last commit (the default storage.checkpointInterval, which
 * `init` spells out), and a second more: the pages it copies into the database file count too.
 */
const CHECKPOINT_WAIT_MS = longestCheckpointWaitMs(configSchema.parse({}).storage.checkpointInterval) + 1000;

interface Gateway {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Bytes the gateway wrote to stdout (what journald would store). */
  logBytes: () => number;
  dir: string;
}

/** `service`: with the unit's flags and environment; `extraFlags`: node flags on top of them. */
async function startGateway(storage: string, service: boolean, extraFlags: string[] = []): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), 'firstlight-footprint-'));
  await initSetup({ dir });
  const config = join(dir, 'firstlight.yaml');
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^storage:\n(  .*\n|  #.*\n)*/m, `storage: ${storage}\n`));
  const child = spawn(process.execPath, [...(service ? SERVICE.flags : npmStartNodeFlags()), ...extraFlags, BIN, 'start', '-c', config, '--mqtt-port', '0', '--http-port', '0', '--log-format', 'json'], {
    env: service ? SERVICE.env : process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let logBytes = 0;
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logBytes += Buffer.byteLength(line) + 1;
      if (line.includes('"firstlight started"')) resolve((JSON.parse(line) as { mqtt: string }).mqtt);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it started`)));
  });
  return { child, pid: child.pid!, url, logBytes: () => logBytes, dir };
}

async function stopGateway(g: Gateway): Promise<void> {
  g.child.kill('SIGTERM');
  if (g.child.exitCode === null) await once(g.child, 'exit');
  rmSync(g.dir, { recursive: true, force: true });
}

type Row = Record<string, number>;
const results = new Map<string, Row[]>();
const record = (name: string, row: Row): void => void (results.get(name) ?? results.set(name, []).get(name)!).push(row);
const mb = (kb: number): number => kb / 1024;

/** Connects as Zigbee2MQTT's bridge and publishes its retained device list, as a bridge does first. */
async function publishDeviceList(g: Gateway): Promise<MqttClient> {
  const client = await connectAsync(g.url, { clientId: 'zigbee2mqtt' });
  await client.publishAsync('zigbee2mqtt/bridge/devices', readFileSync(FIXTURE), { qos: 1, retain: true });
  return client;
}

/** Messages of the "after traffic" idle row: what a gateway that has worked for a while holds at rest. */
const TRAFFIC_FIRST = { count: 3000, rate: 500 };

/**
 * Idle: started, the device list taken, then nothing but the gateway's own timers. With `traffic`,
 * a burst of sensor messages first: their code optimised, caches and heap grown, then at rest again.
 */
async function measureIdle(name: string, service: boolean, extraFlags: string[] = [], traffic = false): Promise<void> {
  const g = await startGateway('{}', service, extraFlags);
  try {
    const client = await publishDeviceList(g);
    if (traffic) await publishAtRate(client, TRAFFIC_FIRST.rate, TRAFFIC_FIRST.count, 1);
    await client.endAsync();
    await sleep(CHECKPOINT_WAIT_MS); // let start-up garbage be collected and the device list's checkpoint pass
    const a = readSample(g.pid);
    const log = g.logBytes();
    await sleep(IDLE_S * 1000);
    const b = readSample(g.pid);
    const parts = readRssParts(g.pid);
    record(name, { rssMb: mb(b.rssKb), anonMb: mb(parts.anonKb), fileMb: mb(parts.fileKb), cpuPct: cpu(a, b), writtenB: b.writeBytes - a.writeBytes, logB: g.logBytes() - log });
  } finally {
    await stopGateway(g);
  }
}

/** The newest position in the gateway's log, read as `firstlight events` would (another connection). */
function logHead(g: Gateway): number {
  const db = new Database(join(g.dir, 'data', 'firstlight.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT coalesce(max(seq), 0) FROM events').pluck().get() as number);
  } finally {
    db.close();
  }
}

const cpu = (a: ProcSample, b: ProcSample): number => ((b.cpuMs - a.cpuMs) / (b.at - a.at)) * 100;

/**
 * Traffic at each rate; the bytes include the checkpoint that follows the last message. `waitMs`: how
 * long the last message may wait to be committed (storage.qos0CommitInterval).
 */
async function measureLoad(name: string, storage: string, qos: 0 | 1, rates: number[], waitMs: number, extraFlags: string[] = []): Promise<void> {
  const g = await startGateway(storage, true, extraFlags);
  try {
    const client = await publishDeviceList(g);
    await sleep(CHECKPOINT_WAIT_MS);
    for (const rate of rates) {
      const count = rate === 1 ? 30 : rate === 10 ? 200 : 1500;
      const a = readSample(g.pid);
      const head = logHead(g);
      const log = g.logBytes();
      let peak = a.rssKb;
      const sampler = setInterval(() => (peak = Math.max(peak, readSample(g.pid).rssKb)), 200);
      await publishAtRate(client, rate, count, qos);
      await sleep(waitMs + CHECKPOINT_WAIT_MS);
      clearInterval(sampler);
      const b = readSample(g.pid);
      const events = logHead(g) - head;
      record(`${name} @ ${rate}/s`, { kibPerMsg: (b.writeBytes - a.writeBytes) / count / 1024, kibPerEvent: (b.writeBytes - a.writeBytes) / events / 1024, eventsPerMsg: events / count, cpuPct: cpu(a, b), peakRssMb: mb(Math.max(peak, b.rssKb)), logBPerMsg: (g.logBytes() - log) / count });
    }
    await client.endAsync();
  } finally {
    await stopGateway(g);
  }
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[], digits: number): string => {
  const m = median(xs).toFixed(digits);
  return xs.length > 1 ? `${m} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : m;
};

const LOWER_WEAR = '{ qos0CommitInterval: 5s }';
for (let run = 1; run <= RUNS; run++) {
  process.stderr.write(`run ${run}/${RUNS}\n`);
  if (idleRows) {
    await measureIdle('idle, as the service runs it', true);
    await measureIdle('idle, plain node (npm start)', false);
    await measureIdle('idle, as the service runs it + --lite-mode', true, LITE);
    await measureIdle(`idle after ${TRAFFIC_FIRST.count.toLocaleString('en')} messages, as the service runs it`, true, [], true);
  }
  if (!loadRows) continue;
  await measureLoad('default, QoS 1', '{}', 1, values.quick ? [10] : [1, 10, 100], 0);
  await measureLoad('default, QoS 0', '{}', 0, [10], 0);
  await measureLoad('default + --lite-mode, QoS 1', '{}', 1, values.quick ? [10] : [10, 100], 0, LITE);
  await measureLoad(`lower wear ${LOWER_WEAR}, QoS 0`, LOWER_WEAR, 0, values.quick ? [10] : [1, 10, 100], 5000);
  await measureLoad('lower wear { qos0CommitInterval: 1s }, QoS 0', '{ qos0CommitInterval: 1s }', 0, [10], 1000);
  await measureLoad('{ checkpointInterval: 1s } (the default before), QoS 1', '{ checkpointInterval: 1s }', 1, values.quick ? [10] : [1, 10], 0);
  await measureLoad('{ synchronous: NORMAL }, QoS 1', '{ synchronous: NORMAL }', 1, [10], 0);
  await measureLoad('{ pageSize: 4096 } (the default before), QoS 1', '{ pageSize: 4096 }', 1, [10], 0);
}

const lines: string[] = [`firstlight footprint: medians of ${RUNS} runs (min–max); Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`, ''];
lines.push('| idle | RSS MB | anon MB | file MB | CPU % of a core | bytes written | log bytes |', '|---|---|---|---|---|---|---|');
for (const [name, rows] of results) {
  if (!name.startsWith('idle')) continue;
  const col = (k: string, d: number): string => fmt(rows.map((r) => r[k]!), d);
  lines.push(`| ${name} (${IDLE_S} s) | ${col('rssMb', 1)} | ${col('anonMb', 1)} | ${col('fileMb', 1)} | ${col('cpuPct', 2)} | ${col('writtenB', 0)} | ${col('logB', 0)} |`);
}
lines.push('', '| load (service settings) | KiB written per message | events logged per message | KiB written per event | CPU % of a core | peak RSS MB | log bytes per message |', '|---|---|---|---|---|---|---|');
for (const [name, rows] of results) {
  if (name.startsWith('idle')) continue;
  const col = (k: string, d: number): string => fmt(rows.map((r) => r[k]!), d);
  lines.push(`| ${name} | ${col('kibPerMsg', 1)} | ${col('eventsPerMsg', 2)} | ${col('kibPerEvent', 1)} | ${col('cpuPct', 1)} | ${col('peakRssMb', 1)} | ${col('logBPerMsg', 0)} |`);
}
lines.push('', 'Targets: idle RSS <= 60 MB; nothing written while idle; <= 8 KiB written per event at 10/s.',
  'Events logged per message: the facts a message carries (occupancy and illuminance, say) and what the rules derived from them.',
  'Rows "as the service runs it" and the load rows start with the environment systemd gives the unit; "plain node" with this shell\'s.');
if (process.env.NODE_EXTRA_CA_CERTS) lines.push('This shell sets NODE_EXTRA_CA_CERTS: Node parses every root certificate at start, ~1.6 MB of the plain-node row.');
process.stdout.write(lines.join('\n') + '\n');
