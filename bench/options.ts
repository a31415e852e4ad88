// The bench's settings: command-line flags, each also settable as BENCH_<FLAG> in the environment.
import { parseArgs } from 'node:util';
import type { FloorSettings } from './floor/floor-log.ts';
import type { TargetKey } from './results.ts';

export interface BenchOptions {
  quick: boolean;
  /** Length of each measured phase, warm-up included, ms. */
  durationMs: number;
  /** Start of each phase that is not measured, ms. */
  warmupMs: number;
  /** An unreported phase per target first, so that the first measured phase runs JIT-compiled code, ms. */
  primeMs: number;
  /** How long to wait for outstanding replies after a phase, ms. */
  drainMs: number;
  /** Offered rates of the open-loop latency phases, events/s. */
  rates: number[];
  /** Messages in flight in the closed-loop throughput phases. */
  inflight: number;
  publishers: number;
  rooms: number;
  qos: 0 | 1;
  targets: TargetKey[];
  /**
   * The durable floor (bench/floor/): SQLite's synchronous and wal_autocheckpoint, and whether it
   * commits on its event loop (main) or on a writer thread.
   */
  floor: FloorSettings;
  /** Write a V8 CPU profile of the gateway to bench/out/prof/. */
  cpuProf: boolean;
  /** Run the bench rule in the rule worker (as a user's rule runs by default) instead of inline. */
  isolate: boolean;
  /** Before each phase, wait up to this long for other processes to leave the CPUs alone, ms (0: do not wait). */
  quietWaitMs: number;
  /** Extra Node flags for the gateway process (diagnostics, e.g. --trace-gc). */
  gatewayNodeFlags: string[];
  /** A file the gateway's output that is not a log line goes to (what --gateway-node-flags=--trace-gc prints). */
  gatewayOutput: string | undefined;
  /** The gateway's `storage` settings beyond its defaults, to compare them (e.g. { pageSize: 4096 }). */
  storage: Record<string, unknown>;
  /** Every fsync of the gateway takes this much longer, ms (slow storage such as an SD card); 0: as the disk is. */
  fsyncDelayMs: number;
  /** Phases to run, by key (latency-<rate>, throughput-multi, throughput-single); empty: all. */
  phases: string[];
  /** How often a phase that other processes disturbed is run again (the least disturbed run is kept). */
  retries: number;
  /**
   * Lights answer each command with their state, as Zigbee2MQTT does, so the gateway confirms
   * commands (its default). Off: commands stay unconfirmed, and the bench sets the confirmation
   * deadline to an hour so that no retries appear in the run.
   */
  lightsReport: boolean;
  /** Scheduling priority (nice) of the bench and its targets; negative values need root. 0: unchanged. */
  nice: number;
  /** Keep the gateway's log and rules directories (their paths are printed). */
  keep: boolean;
  /** Where the JSON results go. */
  out: string;
  /** A simulated building as the load (a file, or office-floor / home), instead of the rooms' motion pattern. */
  building?: string | undefined;
  /** Devices wanted: the building is replicated to the nearest whole number of copies (at most 5,000 devices). */
  devices?: number | undefined;
  /** The simulated day's seed. */
  seed: number;
  /** Feed clients (dashboards on the live SSE feed) for the feed-cost phases at 5,000/s; 0: none. */
  feedClients: number;
  /** Write bench/RESULTS.md (a full run always does; --quick only with this). */
  writeResults: boolean;
}

export const HELP = `Usage: npm run bench -- [options]

Drives Zigbee2MQTT motion messages through the gateway (child process), through plain aedes (the
ceiling) and, with --floor, through the durable floor (bench/floor/).

  --quick              smoke test: short phases (about 30 s in all)
  --duration <s>       length of each measured phase, warm-up included (default 7; quick 2.5)
  --warmup <s>         first part of each phase, not measured (default 2; quick 0.5)
  --prime <s>          unreported JIT warm-up phase per target (default 2; quick 1)
  --drain <s>          wait for outstanding replies after a phase (default 10; quick 5)
  --rates <list>       open-loop rates, events/s (default 1000,20000)
  --inflight <n>       closed-loop messages in flight (default 500)
  --publishers <n>     publisher clients of the multi-client phases (default 4)
  --rooms <n>          rooms, each a motion sensor and a light (default 20)
  --qos <0|1>          QoS of the load's publishes (default 1)
  --only <target>      gateway, aedes or floor
  --floor              also measure the durable floor (bench/floor/): aedes, one SQLite
                       row per motion message committed as soon as the last commit ends, the /set
                       after it; no rules. What any gateway that writes SQLite on its event loop pays
  --floor-synchronous <FULL|NORMAL|OFF>  the floor's synchronous setting (default FULL, as the gateway's)
  --floor-checkpoint <pages>  the floor's wal_autocheckpoint (default 1000, SQLite's; 0: never)
  --floor-writer <main|thread>  the floor commits on its event loop (default, as the gateway does)
                       or on a writer thread of its own
  --phases <list>      only these phases: latency-<rate>, throughput-multi, throughput-single
  --retries <n>        run a phase again when other processes disturbed it (default 1; quick 0)
  --quiet-wait <s>     before each phase, wait up to this long for other processes to go
                       quiet (default 10; quick 3; 0: do not wait)
  --cpu-prof           write a CPU profile of the gateway to bench/out/prof/
  --isolate            run the bench rule in the rule worker, as rules you write run by default
                       (the shipped rules, and the bench rule without this, run inline)
  --gateway-node-flags=<flags>  extra node flags for the gateway process, e.g.
                       --gateway-node-flags="--trace-gc --max-semi-space-size=8"
  --gateway-output <file>  append what the gateway prints that is not a log line (the output of
                       --trace-gc or --trace-gc-nvp) to this file
  --storage=<json>     the gateway's storage settings beyond its defaults, to compare them, e.g.
                       --storage='{"pageSize":4096}' (the page size before it became 1024)
  --fsync-delay <ms>   every fsync of the gateway takes this much longer, as on an SD card (an
                       LD_PRELOAD library, bench/slow-fsync/; Linux and a C compiler). Such a run
                       leaves bench/RESULTS.md alone unless given --write-results
  --lights-report      lights answer each command with their state (Zigbee2MQTT does), so the
                       gateway confirms commands; doubles the messages the gateway takes in
  --nice=<n>           run the bench (this session's autogroup) at this priority, e.g. --nice=-10
                       as root, so that other work on a shared machine disturbs it less (default 0)
  --keep               keep the gateway's log (the SQLite file) and rules directory
  --out <file>         JSON results (default bench/out/latest.json)
  --building <file|office-floor|home>  load: a simulated building's day of Zigbee2MQTT messages,
                       replayed at each phase's rate (instead of the 20 rooms' motion pattern)
  --devices <n>        replicate the building to about n devices (at most 5,000)
  --seed <n>           the simulated day (default 1)
  --feed-clients <n>   also run the gateway at 5,000/s (open loop) and closed loop with and without n
                       live-feed clients (bench/feed-clients.ts) attached; reports the cost as ratios
  --write-results      write bench/RESULTS.md also for --quick (a full run always writes it)
  Every option can also be given as BENCH_<NAME>, e.g. BENCH_DURATION=5 or BENCH_QUICK=1.
`;

const flags = {
  quick: { type: 'boolean' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  prime: { type: 'string' },
  drain: { type: 'string' },
  rates: { type: 'string' },
  inflight: { type: 'string' },
  publishers: { type: 'string' },
  rooms: { type: 'string' },
  qos: { type: 'string' },
  only: { type: 'string' },
  floor: { type: 'boolean' },
  'floor-synchronous': { type: 'string' },
  'floor-checkpoint': { type: 'string' },
  'floor-writer': { type: 'string' },
  phases: { type: 'string' },
  retries: { type: 'string' },
  'cpu-prof': { type: 'boolean' },
  isolate: { type: 'boolean' },
  'quiet-wait': { type: 'string' },
  'gateway-node-flags': { type: 'string' },
  'gateway-output': { type: 'string' },
  storage: { type: 'string' },
  'fsync-delay': { type: 'string' },
  keep: { type: 'boolean' },
  nice: { type: 'string' },
  'lights-report': { type: 'boolean' },
  out: { type: 'string' },
  building: { type: 'string' },
  devices: { type: 'string' },
  seed: { type: 'string' },
  'feed-clients': { type: 'string' },
  'write-results': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function fromEnv(name: string): string | undefined {
  return process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
}

/** A bad flag or value: reported as a usage error, without a stack trace. */
export class UsageError extends Error {}

export function parseOptions(argv: string[], defaultOut: string): BenchOptions | 'help' {
  try {
    return parse(argv, defaultOut);
  } catch (err) {
    throw err instanceof UsageError ? err : new UsageError((err as Error).message);
  }
}

function parse(argv: string[], defaultOut: string): BenchOptions | 'help' {
  const { values } = parseArgs({ args: argv, options: flags, allowPositionals: false });
  if (values.help) return 'help';
  const str = (name: keyof typeof flags): string | undefined => (values[name] as string | undefined) ?? fromEnv(name);
  const bool = (name: keyof typeof flags): boolean => (values[name] as boolean | undefined) ?? ['1', 'true', 'yes'].includes(fromEnv(name) ?? '');
  const num = (name: keyof typeof flags, fallback: number, check: (n: number) => boolean = (n) => n > 0): number => {
    const text = str(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || !check(n)) throw new Error(`--${name}: "${text}" is not a valid value`);
    return n;
  };
  const quick = bool('quick');
  const seconds = (name: keyof typeof flags, full: number, short: number): number => num(name, quick ? short : full, (n) => n >= 0) * 1000;
  const only = str('only');
  if (only !== undefined && only !== 'gateway' && only !== 'aedes' && only !== 'floor') throw new Error(`--only: "${only}" must be gateway, aedes or floor`);
  const synchronous = (str('floor-synchronous') ?? 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL' && synchronous !== 'OFF') throw new Error(`--floor-synchronous: "${str('floor-synchronous')}" must be FULL, NORMAL or OFF`);
  const writer = str('floor-writer') ?? 'main';
  if (writer !== 'main' && writer !== 'thread') throw new Error(`--floor-writer: "${writer}" must be main or thread`);
  const qos = num('qos', 1, (n) => n === 0 || n === 1) as 0 | 1;
  const rates = (str('rates') ?? '1000,20000').split(',').map((r) => Number(r.trim()));
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--rates: "${str('rates')}" must be positive numbers separated by commas`);
  const options: BenchOptions = {
    quick,
    durationMs: seconds('duration', 7, 2.5),
    warmupMs: seconds('warmup', 2, 0.5),
    primeMs: seconds('prime', 2, 1),
    drainMs: seconds('drain', 10, 5),
    rates,
    inflight: num('inflight', 500, Number.isInteger),
    publishers: num('publishers', 4, Number.isInteger),
    rooms: num('rooms', 20, Number.isInteger),
    qos,
    targets: only ? [only] : bool('floor') ? ['gateway', 'floor', 'aedes'] : ['gateway', 'aedes'],
    floor: { synchronous, walAutocheckpoint: num('floor-checkpoint', 1000, (n) => Number.isInteger(n) && n >= 0), writer },
    cpuProf: bool('cpu-prof'),
    isolate: bool('isolate'),
    quietWaitMs: seconds('quiet-wait', 10, 3),
    gatewayNodeFlags: (str('gateway-node-flags') ?? '').split(/\s+/).filter(Boolean),
    gatewayOutput: str('gateway-output'),
    storage: storageSettings(str('storage')),
    fsyncDelayMs: num('fsync-delay', 0, (n) => n >= 0 && n <= 1000),
    phases: (str('phases') ?? '').split(',').map((p) => p.trim()).filter(Boolean),
    retries: num('retries', quick ? 0 : 1, (n) => Number.isInteger(n) && n >= 0),
    keep: bool('keep'),
    nice: num('nice', 0, (n) => Number.isInteger(n) && n >= -20 && n <= 19),
    lightsReport: bool('lights-report'),
    out: str('out') ?? defaultOut,
    building: str('building'),
    devices: str('devices') === undefined ? undefined : num('devices', 0, (n) => Number.isInteger(n) && n > 0 && n <= 5000),
    seed: num('seed', 1, Number.isInteger),
    feedClients: num('feed-clients', 0, (n) => Number.isInteger(n) && n >= 0),
    writeResults: bool('write-results'),
  };
  if (options.devices !== undefined && !options.building) throw new Error('--devices needs --building');
  if (options.building && options.targets.includes('floor')) throw new Error('--floor: the floor answers the rooms\' motion load only, not --building');
  if (options.warmupMs >= options.durationMs) throw new Error('--warmup must be shorter than --duration');
  if (options.durationMs - options.warmupMs < 1000) throw new Error('the measured part of a phase (--duration minus --warmup) must be at least 1 s');
  return options;
}

function storageSettings(json: string | undefined): Record<string, unknown> {
  if (json === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`--storage: not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError('--storage: expected a JSON object, e.g. {"pageSize":4096}');
  return value as Record<string, unknown>;
}
