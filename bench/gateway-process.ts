// Runs `firstlight start` as a child process for the bench: a temporary log, the flagship rules plus
// the bench rule, an ephemeral port; and publishes the Zigbee2MQTT device list to it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { startJsonChild, stopChild, type StartedChild } from './children.ts';
import { npmStartNodeFlags } from './npm-start-flags.ts';
import type { Z2mRooms } from './z2m-load.ts';

export const REPO = fileURLToPath(new URL('../', import.meta.url));
/** The rules the bench runs: the flagship pair from rules/, and the bench's own (bench/rules/). */
export const FLAGSHIP_RULES = ['room-presence.ts', 'lights-follow-presence.ts'];
export const BENCH_RULE = join(REPO, 'bench/rules/bench-light.ts');

export interface BenchGateway extends StartedChild {
  url: string;
  dataDir: string;
  dbFile: string;
  /** SIGTERM (a clean stop: flush, close), then the exit code. */
  stop(): Promise<number | string>;
  /** Removes the temporary directories. */
  cleanup(): void;
}

/**
 * The rules directory must be inside the package (bench/out/ is git-ignored) so that a rule's
 * `import ... from 'firstlight'` resolves through the package's self-reference, as in rules/.
 */
function prepareRules(workDir: string, isolate: boolean): string {
  const dir = join(workDir, 'rules');
  mkdirSync(dir, { recursive: true });
  for (const f of FLAGSHIP_RULES) copyFileSync(join(REPO, 'rules', f), join(dir, f));
  const benchRule = readFileSync(BENCH_RULE, 'utf8');
  const isolated = benchRule.replace("isolation: 'inline'", "isolation: 'worker'");
  if (isolate && isolated === benchRule) throw new Error("bench-light.ts no longer says isolation: 'inline'");
  writeFileSync(join(dir, 'bench-light.ts'), isolate ? isolated : benchRule);
  return dir;
}

/**
 * The gateway's config beyond the flags. Unless lights report their state, no command is ever
 * confirmed, and the built-in command-lifecycle rule would retry each room's last command 5 s after
 * the load pauses and then record it as failed: with a deadline of an hour it still records each
 * command's pending confirmation (its cost per command stays in the figures) but never fires.
 */
function writeConfig(workDir: string, lightsReport: boolean, maxPayloadBytes?: number, storage?: Record<string, unknown>): string {
  const file = join(workDir, 'bench-config.json');
  // A large building's retained bridge/devices list can exceed the default 1 MiB payload limit.
  const mqtt = maxPayloadBytes ? { mqtt: { maxPayloadBytes, limits: { maxPacketBytes: Math.max(2_000_000, maxPayloadBytes + 1024) } } } : {};
  writeFileSync(file, JSON.stringify({ ...(storage && { storage }), ...(lightsReport ? {} : { commands: { confirmTimeout: '1h' } }), ...mqtt }, null, 2));
  return file;
}

export async function startBenchGateway(options: {
  outDir: string;
  cpuProfDir?: string;
  nodeFlags?: string[];
  lightsReport?: boolean;
  /** Run the bench rule in the rule worker. */
  isolate?: boolean;
  /** Raise the gateway's payload limit to this (only ever up from its 1 MiB default). */
  maxPayloadBytes?: number;
  /** The gateway's storage settings beyond its defaults. */
  storage?: Record<string, unknown>;
  /** The gateway's environment (default: the bench's). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Appends what the gateway prints that is not a log line (--trace-gc output, say) to this file. */
  rawOutput?: string | undefined;
}): Promise<BenchGateway> {
  const workDir = mkdtempSync(join(options.outDir, '.run-'));
  const rulesDir = prepareRules(workDir, options.isolate ?? false);
  const config = writeConfig(workDir, options.lightsReport ?? false, options.maxPayloadBytes, options.storage);
  const dataDir = mkdtempSync(join(tmpdir(), 'firstlight-bench-'));
  // As `npm start` runs it, plus what the run asks for (a later flag of the same name wins).
  const nodeFlags = [...npmStartNodeFlags(), ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), ...(options.nodeFlags ?? [])];
  // Log level info (the default a user runs with): the start line carries the port, and any line the
  // gateway writes per event under load would show up in the report's log line count.
  const cleanup = (): void => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  };
  let started: StartedChild;
  try {
    started = await startJsonChild(
      [...nodeFlags, join(REPO, 'gateway/cli/bin.js'), 'start', '--mqtt-host', '127.0.0.1', '--mqtt-port', '0', '--http-host', '127.0.0.1', '--http-port', '0',
        '--config', config, '--data', dataDir, '--rules', rulesDir, '--log-format', 'json', '--log-level', 'info'],
      { cwd: workDir, isStart: (l) => l.msg === 'firstlight started', env: options.env, rawOutput: options.rawOutput },
    );
  } catch (err) {
    cleanup();
    throw err;
  }
  const rules = started.started.rules as string[] | undefined;
  const expected = ['room-presence', 'lights-follow-presence', 'bench-light'];
  if (!rules || !expected.every((name) => rules.some((r) => r.startsWith(`${name}@`)))) {
    await stopChild(started.child);
    cleanup();
    throw new Error(`the gateway loaded rules ${JSON.stringify(rules)}, expected ${expected.join(', ')}: ${started.problems.join('\n')}`);
  }
  return {
    ...started,
    url: started.started.mqtt as string,
    dataDir,
    dbFile: started.started.data as string,
    stop: () => stopChild(started.child, 'SIGTERM', 30_000),
    cleanup,
  };
}

/**
 * Publishes the retained bridge/devices list as the Zigbee2MQTT bridge does, at QoS 1: the gateway
 * acknowledges it once the devices are committed, so they are known before the load starts.
 */
export async function publishDeviceList(url: string, rooms: Pick<Z2mRooms, 'deviceList'>): Promise<void> {
  const client = await connectAsync(url, { clientId: 'zigbee2mqtt', reconnectPeriod: 0, connectTimeout: 10_000 });
  try {
    await client.publishAsync(rooms.deviceList.topic, rooms.deviceList.payload, { qos: 1, retain: true });
  } finally {
    await client.endAsync();
  }
}
