// The composition root of a running gateway: the log, the rules, the embedded broker, and a clean stop.
import { join } from 'node:path';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config/schema.ts';
import { createCore, type Core } from './core.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/embedded-broker.ts';
import type { Broker } from './broker/broker.ts';
import { startExternalBroker } from './broker/external-broker.ts';
import { createInboxAdapter } from './uplink/inbox-adapter.ts';
import { inboxFilter } from './uplink/selection.ts';
import { startUpstream, type Upstream } from './uplink/start-upstream.ts';
import { linkGauges } from './uplink/link-gauges.ts';
import { assertHttpAccess } from './http/access.ts';
import { assertMqttExposure, describeExposure, describeHttpExposure } from './security/exposure.ts';
import { createRefusalLog } from './security/refusal-log.ts';
import { startHttpServer, type HttpServer } from './http/server.ts';
import { loadRules } from './engine/rule-loader.ts';
import { builtinRules } from './engine/builtin/index.ts';
import { createRuleTypeChecker, typescriptAvailable } from './engine/rule-type-check.ts';
import { startRuleWatcher, type RuleWatcher } from './engine/rule-watcher.ts';
import { loadAdapters } from './ingest/load-adapters.ts';
import { startCheckpointer, truncateWal } from './log/checkpointer.ts';
import { openLogWithRecovery } from './log/recovery.ts';
import { deferWalSync } from './log/wal-sync.ts';
import { createPruner } from './log/retention.ts';
import { startRetentionJob } from './log/retention-job.ts';
import { newEventId } from './events/ids.ts';
import { UPLINK_CONSUMER } from './uplink/start-upstream.ts';
import { createRateLimitedLog, sink, type Logger } from './logger.ts';
import type { OutboundMessage } from './sdk/device.ts';

export interface Gateway {
  core: Core;
  /** The embedded broker, or the link to an external one (`broker.url` in the config). */
  broker: Broker;
  /** The link to the fleet's central broker (`uplink.url` in the config), if any. */
  upstream: Upstream | undefined;
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
  // Nor the broker without passwords (external mode has no listener of its own).
  if (!config.broker) assertMqttExposure(config.mqtt);
  const dbFile = join(config.data, DB_FILE);
  // A corrupt file is moved aside and a fresh log started, recording why: never a crash loop.
  const { db } = openLogWithRecovery({ file: dbFile, synchronous: config.storage.synchronous, pageSize: config.storage.pageSize, clock, sourceBase: `/sites/${config.site}`, log });
  // FULL durability, with the fsync that gives it run off the event loop.
  const wal = config.storage.synchronous === 'FULL' ? deferWalSync(db, dbFile) : undefined;
  const adapters = await loadAdapters(config.devices);
  const { rules, errors } = await loadRules(config.rules.dir, config.rules.options);
  for (const e of errors) log.error('rule not loaded', { file: e.file, error: e.error });

  const rejectedLog = createRateLimitedLog(() => clock.now(), 10_000, (code, suppressed) =>
    log.warn('input rejected', { code, ...(suppressed > 0 ? { alsoRejectedSinceLastReport: suppressed } : {}) }),
  );
  const refusedLog = createRefusalLog(() => clock.now(), log);
  // The broker is created after the core (rules must catch up before input is accepted), so
  // commands go through this indirection until it exists.
  let broker: Broker | undefined;
  let upstream: Upstream | undefined;
  const publish = (m: OutboundMessage, done: (err?: Error | null) => void): void =>
    broker ? broker.publish(m, done) : done(new Error('broker not started'));

  const core = createCore({
    db,
    wal,
    clock,
    // The fleet inbox is one more input; first, so that no device adapter claims its topics.
    adapters: config.uplink?.inbox.enabled ? [createInboxAdapter(inboxFilter(config.uplink.inbox.topic, config.site)), ...adapters] : adapters,
    sourceBase: `/sites/${config.site}`,
    log,
    publish,
    maxPayloadBytes: config.mqtt.maxPayloadBytes,
    maxCommandAgeMs: config.commands.maxAge,
    qos0CommitMs: config.storage.qos0CommitInterval,
    isolation: { default: config.rules.isolation, workerHeapMb: config.rules.workerHeapMb },
    timezone: config.timezone,
    onRejected: (message, r) => rejectedLog(`${r.code}`),
  });
  let http: HttpServer;
  const builtin = builtinRules(config.commands);
  try {
    // Commands left unsent are resumed once the broker exists (below), or they would fail at once.
    await core.start([...builtin, ...rules], { resumeCommands: false });
    const links = { site: config.site, sourceBase: `/sites/${config.site}`, db, committer: core.committer, accept: core.ingest.accept, clock, log };
    if (config.uplink) upstream = startUpstream({ ...links, config: config.uplink, events: core.events, positions: core.ruleStore });
    // External mode subscribes to what the device adapters listen on; commands go out the same way.
    broker = config.broker
      ? startExternalBroker({ ...links, config: config.broker, topics: adapters.flatMap((a) => a.topics) })
      : await startEmbeddedBroker({
          host: config.mqtt.host,
          port: config.mqtt.port,
          accept: core.ingest.accept,
          users: config.mqtt.users,
          tls: config.mqtt.tls && { ...config.mqtt.tls, host: config.mqtt.tls.host ?? config.mqtt.host },
          limits: config.mqtt.limits,
          clock,
          onRefused: refusedLog,
        });
    core.actuator.resume();
    http = await startHttpServer({ ...config.http, core, dbFile, dataDir: config.data, clock, log, site: config.site, links: linkGauges(broker, upstream) }).catch(async (err: unknown) => {
      await broker!.close();
      throw err;
    });
  } catch (err) {
    await upstream?.close();
    core.scheduler.stop();
    await core.close();
    db.close();
    wal?.close();
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
  const checkpointer = startCheckpointer(db, clock, { intervalMs: config.storage.checkpointInterval, eventsCommitted: () => core.committer.stats.events }, (err) => log.warn('checkpoint failed', { err: String(err) }));
  const retentionConfig = config.storage.retention;
  const retention = retentionConfig.enabled
    ? startRetentionJob({
        // Nothing a live consumer has not processed yet: the rules, the actuator, the uplink.
        pruner: createPruner(db, core.events, retentionConfig, () =>
          Math.min(
            ...[...core.engine.stats().values()].map((s) => s.position),
            core.ruleStore.position('actuator') ?? Infinity,
            upstream ? (core.ruleStore.position(UPLINK_CONSUMER) ?? 0) : Infinity,
          ),
        ),
        clock,
        monotonic: () => performance.now(),
        intervalMs: retentionConfig.interval,
        maxDeleteFraction: retentionConfig.maxDeleteFraction,
        log,
        refused: (data) =>
          core.committer.submit({
            write: () =>
              void core.committer.append({ id: newEventId(clock.now()), source: `/sites/${config.site}/storage`, type: 'storage.prune-refused', time: new Date(clock.now()).toISOString(), data }),
          }),
      })
    : undefined;

  if (broker.kind === 'embedded') {
    // Say who can reach the broker, as Mosquitto 2 does at start.
    const exposure = describeExposure(config.mqtt);
    log.info(`MQTT: ${exposure.reach}`, { mqtt: broker.url, ...(config.mqtt.tls && { mqtts: `mqtts://${config.mqtt.tls.host ?? config.mqtt.host}:${(broker as EmbeddedBroker).tlsPort}` }), auth: exposure.auth });
    for (const w of exposure.warnings) log.warn(w, {});
  }
  log.info(`HTTP: ${describeHttpExposure(config.http)}`, { http: http.url });
  log.info('firstlight started', {
    mqtt: broker.url,
    broker: broker.kind,
    uplink: upstream && { url: upstream.url, types: config.uplink!.types, inbox: upstream.inbox },
    http: http.url,
    data: dbFile,
    rules: rules.map((r) => `${r.definition.name}@${r.version}${core.isolatedRules.includes(r.definition.name) ? ' (worker)' : ''}`),
    adapters: adapters.map((a) => a.name),
    events: core.events.head(),
  });

  let stopping: Promise<void> | undefined;
  return {
    core,
    broker,
    upstream,
    http,
    dbFile,
    ruleWatcher,
    stop() {
      stopping ??= (async () => {
        await ruleWatcher.stop();
        await http.close();
        core.scheduler.stop();
        checkpointer.stop();
        retention?.stop();
        // Stops forwarding and taking inbox messages; the uplink's cursor commits with the flushes below.
        await upstream?.close();
        broker!.stopListening();
        // Commit and acknowledge what was already taken before the clients are disconnected.
        await core.flush();
        await broker!.close();
        await core.flush();
        await core.close();
        truncateWal(db);
        db.close();
        wal?.close();
        log.info('firstlight stopped', {});
      })();
      return stopping;
    },
  };
}
