// The test kit for rule authors: rules run against a simulated clock and a temporary log, with no
// broker and no sockets. An hour of simulated time runs in milliseconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '../clock.ts';

export { SimulatedClock };
import { createCore, type Core } from '../core.ts';
import type { EventData } from '../events/catalog.ts';
import { loadRuleFile, loadRules } from '../engine/rule-loader.ts';
import { builtinRules } from '../engine/builtin/index.ts';
import type { LoadedRule } from '../engine/rule-engine.ts';
import type { LoggedEvent } from '../events/event.ts';
import { loadAdapters } from '../ingest/load-adapters.ts';
import { openDatabase, type Db } from '../log/database.ts';
import type { EventQuery } from '../log/event-store.ts';
import { deviceSource } from '../ingest/normalize.ts';
import { newEventId } from '../events/ids.ts';
import type { DeviceInfo, OutboundMessage } from './device.ts';
import { parseDuration, type Duration } from './duration.ts';
import type { RuleDefinition } from './rule.ts';

export interface TestGatewayOptions {
  /** A directory of rule files (e.g. "rules"), or a list of rule files and rule definitions. */
  rules: string | Array<RuleDefinition<any, any> | string>;
  /** Options per rule name, as `rules.options` in the config. */
  ruleOptions?: Record<string, unknown>;
  /** Devices the gateway knows from the start (as if configured). */
  devices?: Array<Omit<DeviceInfo, 'adapter'> & { adapter?: string }>;
  /** Options per device adapter, as `devices` in the config. */
  adapterOptions?: Record<string, unknown>;
  /** Start time of the simulated clock, or a clock to share. */
  clock?: SimulatedClock | Date | number;
  site?: string;
  /** Keep the log in this directory (to test restarts); by default a temporary one, removed on close. */
  dataDir?: string;
  /**
   * Run the built-in command confirmation (retries unconfirmed commands, records command.confirmed /
   * command.failed), as the gateway does. Off by default: simulated lights in a test do not answer.
   */
  confirmCommands?: { timeout: Duration; retries: number };
  /** A handler running longer than this (real time) is stopped. Default 5 s. */
  ruleTimeLimit?: Duration;
  /**
   * Where rule files run. Default 'inline': in the test's thread, which is quickest. 'worker': as the
   * gateway runs them by default, in a worker with a heap limit (`workerHeapMb`, default 64).
   * Rules given as definitions always run inline.
   */
  isolation?: 'worker' | 'inline';
  workerHeapMb?: number;
}

export interface FactOptions {
  /** The reporting device; its room becomes the stream key. Default the fact's `data.device`. */
  device?: string;
  /** Stream key, when the event has no device. */
  key?: string;
}

export interface TestGateway {
  readonly clock: SimulatedClock;
  readonly core: Core;
  /** Appends a fact as if a device had reported it, then lets the rules react. */
  fact<T extends string>(type: T, data: EventData<T>, options?: FactOptions): Promise<LoggedEvent>;
  /** Runs an MQTT message through the real device adapters (e.g. a Zigbee2MQTT payload). */
  message(topic: string, payload: string | object, options?: { replayed?: boolean }): Promise<void>;
  /** Moves the simulated clock forward ("10m", or ms), firing due timers on the way. */
  advance(by: Duration | string): Promise<void>;
  /** Events in the log, oldest first. */
  events(query?: EventQuery): LoggedEvent[];
  /** The MQTT messages the gateway published to devices, oldest first. */
  readonly sent: OutboundMessage[];
  /** Closes the log and opens it again, as a restart of the gateway would (timers and state stay). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function createTestGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const clock =
    options.clock instanceof SimulatedClock ? options.clock : new SimulatedClock(options.clock ?? Date.UTC(2026, 0, 1, 8, 0, 0));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'firstlight-test-'));
  const ownsDir = options.dataDir === undefined;
  const site = options.site ?? 'test';
  const sourceBase = `/sites/${site}`;
  const adapters = await loadAdapters(options.adapterOptions ?? {});
  const rules = [
    ...(options.confirmCommands ? builtinRules({ confirmTimeout: options.confirmCommands.timeout, retries: options.confirmCommands.retries }) : []),
    ...(await resolveRules(options.rules, options.ruleOptions ?? {})),
  ];
  const sent: OutboundMessage[] = [];
  const quiet = { info() {}, warn() {}, error(m: string, d?: unknown) { if (process.env.FL_DEBUG) console.error(m, d); } };

  let db: Db;
  let core: Core;
  async function open(): Promise<void> {
    db = openDatabase({ file: join(dataDir, 'firstlight.db'), synchronous: 'NORMAL' });
    core = createCore({
      db,
      clock,
      adapters,
      sourceBase,
      log: quiet,
      publish: (m, done) => {
        sent.push(m);
        done(null);
      },
      maxPayloadBytes: 256 * 1024,
      maxCommandAgeMs: 60_000,
      ruleTimeLimitMs: options.ruleTimeLimit,
      isolation: { default: options.isolation ?? 'inline', workerHeapMb: options.workerHeapMb ?? 64 },
    });
    for (const d of options.devices ?? []) {
      const info = core.registry.learn({ adapter: 'zigbee2mqtt', ...d });
      if (info) core.registry.persist(info);
    }
    await core.start(rules);
    // Timers that fell due while the gateway was "down" fire now, as they would on a real start.
    await clock.advance(0, settle);
  }
  const settle = async (): Promise<void> => {
    await core.committer.settled();
  };
  await open();

  return {
    clock,
    get core() {
      return core;
    },
    sent,
    async fact(type, data, factOptions = {}) {
      const device = factOptions.device ?? (data as { device?: string } | undefined)?.device;
      const info = device ? core.registry.get(device) : undefined;
      let logged: LoggedEvent | undefined;
      // Made once, outside the transaction: a retried transaction appends the same event.
      const event = {
        id: newEventId(clock.now()),
        source: device ? deviceSource(sourceBase, info?.adapter ?? 'test', device) : `${sourceBase}/test`,
        type,
        time: new Date(clock.now()).toISOString(),
        subject: device,
        partitionkey: factOptions.key ?? info?.room,
        data,
      };
      core.committer.submit({
        write() {
          logged = core.committer.append({ ...event });
        },
      });
      await settle();
      return logged!;
    },
    async message(topic, payload, messageOptions = {}) {
      const buffer = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
      await new Promise<void>((resolve, reject) =>
        core.ingest.accept({ topic, payload: buffer, qos: 1, retain: false, replayed: messageOptions.replayed ?? false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      await settle();
    },
    async advance(by) {
      const ms = typeof by === 'number' ? by : parseDuration(by);
      if (ms === undefined) throw new Error(`not a duration: ${String(by)}`);
      await clock.advance(ms, settle);
      await settle();
    },
    events: (query = {}) => core.events.query(query),
    async restart() {
      await core.flush();
      core.scheduler.stop();
      await core.close();
      db.close();
      await open();
    },
    async close() {
      await core.flush();
      core.scheduler.stop();
      await core.close();
      db.close();
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function resolveRules(rules: TestGatewayOptions['rules'], ruleOptions: Record<string, unknown>): Promise<LoadedRule[]> {
  if (typeof rules === 'string') {
    const { rules: loaded, errors } = await loadRules(rules, ruleOptions);
    if (errors.length > 0) throw new Error(`rules failed to load: ${errors.map((e) => `${e.file}: ${e.error}`).join('; ')}`);
    return loaded;
  }
  const loaded: LoadedRule[] = [];
  for (const rule of rules) {
    if (typeof rule === 'string') {
      loaded.push(await loadRuleFile(rule, ruleOptions));
      continue;
    }
    let options: unknown = ruleOptions[rule.name] ?? {};
    if (rule.options) options = rule.options.parse(options);
    loaded.push({ definition: rule, version: 'test', options });
  }
  return loaded;
}
