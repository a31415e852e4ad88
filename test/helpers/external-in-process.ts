// An in-process gateway core in external broker mode (a client of a real Mosquitto), for tests.
import { join } from 'node:path';
import { systemClock, type Clock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { startExternalBroker, type ExternalBroker } from '../../gateway/broker/external-broker.ts';
import { brokerSchema } from '../../gateway/config/link-schema.ts';
import { loadRules } from '../../gateway/engine/rule-loader.ts';
import { loadAdapters } from '../../gateway/ingest/load-adapters.ts';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import type { LoggedEvent } from '../../gateway/events/event.ts';

export interface ExternalGateway {
  core: Core;
  broker: ExternalBroker;
  db: Db;
  dbFile: string;
  errors: string[];
  /** Events in the log, optionally of one type. */
  events(type?: string): LoggedEvent[];
  /** Stops as the real gateway does: stop taking input, commit, acknowledge, disconnect. */
  close(): Promise<void>;
}

export async function startExternalGateway(options: {
  broker: Record<string, unknown>;
  /** Directory of the log (reused across restarts). */
  data: string;
  site?: string;
  rulesDir?: string;
  clock?: Clock;
  random?: () => number;
  /** How group commits are scheduled (a test can hold them). */
  schedule?: (flush: () => void) => void;
}): Promise<ExternalGateway> {
  const clock = options.clock ?? systemClock;
  const site = options.site ?? 'test';
  const dbFile = join(options.data, 'firstlight.db');
  const db = openDatabase({ file: dbFile, synchronous: 'NORMAL' });
  const adapters = await loadAdapters({});
  const errors: string[] = [];
  const log = { info() {}, warn() {}, error: (m: string, d?: Record<string, unknown>) => void errors.push(`${m} ${JSON.stringify(d)}`) };
  let broker: ExternalBroker | undefined;
  const core = createCore({
    db,
    clock,
    adapters,
    sourceBase: `/sites/${site}`,
    log,
    publish: (m, done) => (broker ? broker.publish(m, done) : done(new Error('not started'))),
    maxPayloadBytes: 256 * 1024,
    maxCommandAgeMs: 60_000,
    schedule: options.schedule,
  });
  const rules = options.rulesDir ? await loadRules(options.rulesDir, {}) : { rules: [], errors: [] };
  if (rules.errors.length > 0) throw new Error(JSON.stringify(rules.errors));
  await core.start(rules.rules);
  broker = startExternalBroker({
    config: brokerSchema.parse(options.broker),
    site,
    topics: adapters.flatMap((a) => a.topics),
    accept: core.ingest.accept,
    db,
    committer: core.committer,
    clock,
    log,
    sourceBase: `/sites/${site}`,
    random: options.random,
  });
  let closed = false;
  return {
    core,
    broker,
    db,
    dbFile,
    errors,
    events: (type) => core.events.query(type ? { type } : {}),
    async close() {
      if (closed) return;
      closed = true;
      broker!.stopListening();
      await core.flush();
      await broker!.close();
      await core.flush();
      core.scheduler.stop();
      db.close();
    },
  };
}

/** Resolves once `check` holds; re-checked after every commit of `core`'s log. */
export function untilCommitted(core: Core, check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const remove = core.committer.onCommitted(() => {
      if (!check()) return;
      clearTimeout(timer);
      remove();
      resolve();
    });
  });
}
