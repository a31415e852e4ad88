// An in-process gateway core with an uplink to a real Mosquitto, for tests of forwarding and the inbox.
import { join } from 'node:path';
import { systemClock, type Clock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { uplinkSchema } from '../../gateway/config/link-schema.ts';
import { loadRules } from '../../gateway/engine/rule-loader.ts';
import type { LoggedEvent, NewEvent } from '../../gateway/events/event.ts';
import { newEventId } from '../../gateway/events/ids.ts';
import { loadAdapters } from '../../gateway/ingest/load-adapters.ts';
import { openDatabase } from '../../gateway/log/database.ts';
import { createInboxAdapter } from '../../gateway/uplink/inbox-adapter.ts';
import { inboxFilter } from '../../gateway/uplink/selection.ts';
import { startUpstream, type Upstream } from '../../gateway/uplink/start-upstream.ts';

export interface UpstreamGateway {
  core: Core;
  upstream: Upstream;
  dbFile: string;
  events(type?: string): LoggedEvent[];
  /** Appends events as ingest would, resolving once they are committed. */
  append(events: NewEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function startUpstreamGateway(options: {
  uplink: Record<string, unknown>;
  data: string;
  site?: string;
  rulesDir?: string;
  clock?: Clock;
  random?: () => number;
}): Promise<UpstreamGateway> {
  const clock = options.clock ?? systemClock;
  const site = options.site ?? 'test';
  const config = uplinkSchema.parse(options.uplink);
  const dbFile = join(options.data, 'firstlight.db');
  const db = openDatabase({ file: dbFile, synchronous: 'NORMAL' });
  const adapters = [createInboxAdapter(inboxFilter(config.inbox.topic, site)), ...(await loadAdapters({}))];
  const log = { info() {}, warn() {}, error() {} };
  const core = createCore({ db, clock, adapters, sourceBase: `/sites/${site}`, log, publish: (_m, done) => done(null), maxPayloadBytes: 256 * 1024, maxCommandAgeMs: 60_000 });
  const rules = options.rulesDir ? await loadRules(options.rulesDir, {}) : { rules: [], errors: [] };
  if (rules.errors.length > 0) throw new Error(JSON.stringify(rules.errors));
  await core.start(rules.rules);
  const upstream = startUpstream({
    config,
    site,
    sourceBase: `/sites/${site}`,
    db,
    events: core.events,
    committer: core.committer,
    positions: core.ruleStore,
    accept: core.ingest.accept,
    clock,
    log,
    random: options.random,
  });
  let closed = false;
  return {
    core,
    upstream,
    dbFile,
    events: (type) => core.events.query(type ? { type } : {}),
    append: (events) =>
      new Promise((resolve, reject) =>
        core.committer.submit({
          write: () => events.forEach((e) => core.committer.append(e)),
          done: (err) => (err ? reject(err) : resolve()),
        }),
      ),
    async close() {
      if (closed) return;
      closed = true;
      await upstream.close();
      await core.flush();
      core.scheduler.stop();
      db.close();
    },
  };
}

/** `count` test events of `type`, with time-ordered ids. */
export function testEvents(count: number, type = 'test.reading', now = Date.now()): NewEvent[] {
  return Array.from({ length: count }, (_, n) => ({ id: newEventId(now), source: '/sites/test/tests', type, time: new Date(now).toISOString(), partitionkey: `k${n % 3}`, data: { n } }));
}
