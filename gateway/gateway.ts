// The composition root of a running gateway: the log, the rules, the embedded broker, and a clean stop.
import { join } from 'node:path';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config/schema.ts';
import { createCore, type Core } from './core.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.ts';
import { assertHttpAccess } from './http/access.ts';
import { startHttpServer, type HttpServer } from './http/server.ts';
import { loadRules } from './engine/rule-loader.ts';
import { builtinRules } from './engine/builtin/index.ts';
import { createRuleTypeChecker, typescriptAvailable } from './engine/rule-type-check.ts';
import { startRuleWatcher, type RuleWatcher } from './engine/rule-watcher.ts';
import { loadAdapters } from './ingest/load-adapters.ts';
import { startCheckpointer, truncateWal } from './log/checkpointer.ts';
import { openDatabase } from './log/database.ts';
import { createRateLimitedLog, sink, type Logger } from './logger.ts';
import type { OutboundMessage } from './sdk/device.ts';

export interface Gateway {
  core: Core;
  broker: EmbeddedBroker;
  /** The API, the live feed and the dashboard. */
  http: HttpServer;
  /** Path of the log's database file. */
  dbFile: string;
  /** Hot reload of the rules directory. */
  ruleWatcher: RuleWatcher;
  /** Stops taking input, commits what was taken, closes everything. Safe to call twice. */
  stop(): Promise<void>;
}

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
}

export const DB_FILE = 'firstlight.db';

export async function startGateway({ config, logger, clock = systemClock }: GatewayOptions): Promise<Gateway> {
  const log = sink(logger);
  // Before anything starts: the log must not be served beyond this machine without a token.
  assertHttpAccess(config.http);
  const dbFile = join(config.data, DB_FILE);
  const db = openDatabase({ file: dbFile, synchronous: config.storage.synchronous });
  const adapters = await loadAdapters(config.devices);
  const { rules, errors } = await loadRules(config.rules.dir, config.rules.options);
  for (const e of errors) log.error('rule not loaded', { file: e.file, error: e.error });

  const rejectedLog = createRateLimitedLog(clock.now, 10_000, (code, suppressed) =>
    log.warn('input rejected', { code, ...(suppressed > 0 ? { alsoRejectedSinceLastReport: suppressed } : {}) }),
  );
  // The broker is created after the core (rules must catch up before input is accepted), so
  // commands go through this indirection until it exists.
  let broker: EmbeddedBroker | undefined;
  const publish = (m: OutboundMessage, done: (err?: Error | null) => void): void =>
    broker ? broker.publish(m, done) : done(new Error('broker not started'));

  const core = createCore({
    db,
    clock,
    adapters,
    sourceBase: `/sites/${config.site}`,
    log,
    publish,
    maxPayloadBytes: config.mqtt.maxPayloadBytes,
    maxCommandAgeMs: config.commands.maxAge,
    qos0CommitMs: config.storage.qos0CommitInterval,
    onRejected: (message, r) => rejectedLog(`${r.code}`),
  });
  let http: HttpServer;
  const builtin = builtinRules(config.commands);
  try {
    await core.start([...builtin, ...rules]);
    broker = await startEmbeddedBroker({ host: config.mqtt.host, port: config.mqtt.port, accept: core.ingest.accept });
    http = await startHttpServer({ ...config.http, core, dbFile, dataDir: config.data, clock, log, site: config.site }).catch(async (err: unknown) => {
      await broker!.close();
      throw err;
    });
  } catch (err) {
    core.scheduler.stop();
    db.close();
    throw err;
  }
  // Rule files changed from now on take effect without a restart.
  const ruleWatcher = await startRuleWatcher({
    dir: config.rules.dir,
    options: config.rules.options,
    fixed: builtin,
    loaded: rules,
    failed: errors,
    engine: core.engine,
    committer: core.committer,
    clock,
    sourceBase: `/sites/${config.site}`,
    log,
    typeChecker: typescriptAvailable() ? createRuleTypeChecker({ clock }) : undefined,
  });
  const checkpointer = startCheckpointer(db, clock, config.storage.checkpointInterval, (err) => log.warn('checkpoint failed', { err: String(err) }));

  log.info('firstlight started', {
    mqtt: `mqtt://${broker.host}:${broker.port}`,
    http: http.url,
    data: dbFile,
    rules: rules.map((r) => `${r.definition.name}@${r.version}`),
    adapters: adapters.map((a) => a.name),
    events: core.events.head(),
  });

  let stopping: Promise<void> | undefined;
  return {
    core,
    broker,
    http,
    dbFile,
    ruleWatcher,
    stop() {
      stopping ??= (async () => {
        await ruleWatcher.stop();
        await http.close();
        core.scheduler.stop();
        checkpointer.stop();
        broker!.stopListening();
        // Commit and acknowledge what was already taken before the clients are disconnected.
        await core.flush();
        await broker!.close();
        await core.flush();
        truncateWal(db);
        db.close();
        log.info('firstlight stopped', {});
      })();
      return stopping;
    },
  };
}
