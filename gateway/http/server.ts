// The HTTP side of the gateway: a read-only API, the live feed, health and metrics, and the dashboard,
// on node:http. Reads go through their own read-only connection to the log; the commit path only
// ever hands committed events to bounded queues.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.ts';
import type { Core } from '../core.ts';
import { FirstlightError } from '../errors.ts';
import type { LineageReader } from '../lineage/reader.ts';
import { openDatabase } from '../log/database.ts';
import { createEventReader } from '../log/event-reader.ts';
import type { LogSink } from '../logger.ts';
import { createAccess } from './access.ts';
import { buildingRoutes } from './building-routes.ts';
import { createBuildingView } from './building-view.ts';
import { createCommandTracker } from './command-tracker.ts';
import { DASHBOARD_PATHS, dashboardRoutes } from './dashboard-routes.ts';
import { createDeviceActivity } from './device-activity.ts';
import { eventRoutes } from './events-routes.ts';
import { feedRoutes } from './feed-routes.ts';
import { createHealth } from './health.ts';
import { lineageRoutes } from './lineage-routes.ts';
import { createLiveFeed, type LiveFeed, type LiveFeedOptions } from './live-feed.ts';
import { createMetrics, type MetricsSources } from './metrics.ts';
import { opsRoutes } from './ops-routes.ts';
import { HttpError, createRouter, sendError } from './router.ts';
import { rulesRoutes } from './rules-routes.ts';
import { ruleRows } from './rules-view.ts';
import { packagePath } from '../package-root.ts';

export interface HttpServerDeps {
  host: string;
  port: number;
  tokenHash?: string | undefined;
  core: Pick<Core, 'committer' | 'events' | 'registry' | 'engine' | 'ingest' | 'actuator' | 'isolatedRules'>;
  /** The log's database file (opened again here, read-only). */
  dbFile: string;
  dataDir: string;
  clock: Clock;
  log: LogSink;
  site: string;
  /** Live-feed tuning (tests use small queues). */
  feed?: Omit<LiveFeedOptions, 'onCommitted'> | undefined;
  /** The links to other brokers, for /metrics. */
  links?: MetricsSources['links'];
}

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  readonly feed: LiveFeed;
  /** Ends live-feed streams and open connections, and closes the read connection. */
  close(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

export async function startHttpServer(deps: HttpServerDeps): Promise<HttpServer> {
  const { core, clock } = deps;
  const now = (): number => clock.now();
  const access = createAccess({ host: deps.host, tokenHash: deps.tokenHash, now });
  const onCommitted = core.committer.onCommitted;
  const readDb = openDatabase({ file: deps.dbFile, readonly: true });
  const reader = createEventReader(readDb);
  const lineage: LineageReader = { log: reader, devices: core.registry };
  const activity = createDeviceActivity({ onCommitted, seed: (window) => reader.lastSeenAfter(Math.max(0, reader.head() - window)) });
  const feed = createLiveFeed({ onCommitted, ...deps.feed });
  const rules = () => ruleRows({ stats: core.engine.stats(), head: core.events.head(), reader, now: now(), isolated: core.isolatedRules });
  const health = createHealth({ dbFile: deps.dbFile, dataDir: deps.dataDir, commits: core.committer.stats, onCommitted, rules, head: () => core.events.head(), now, version: VERSION, site: deps.site });
  const metrics = createMetrics({
    ingest: core.ingest.stats,
    commits: core.committer.stats,
    rules: () => core.engine.stats(),
    actuator: core.actuator.stats,
    head: () => core.events.head(),
    confirmedCommands: () => tracker.confirmed,
    feed: () => ({ clients: feed.clients(), skipped: feed.stats().skippedTotal }),
    files: () => health.files(),
    eventLoop: () => health.eventLoop(),
    links: deps.links,
  });
  const tracker = createCommandTracker({
    onCommitted,
    onSent: core.actuator.onSent,
    now,
    observeReaction: metrics.observeReaction,
    observeConfirmation: metrics.observeConfirmation,
  });
  // Commits are told once durable, all those one fsync covered together: the first to be told after
  // an fsync observes it.
  let fsyncsObserved = core.committer.stats.syncs;
  const offCommitTimer = onCommitted(() => {
    const stats = core.committer.stats;
    metrics.observeCommit(stats.lastCommitMs);
    if (stats.syncs !== fsyncsObserved) metrics.observeFsync(stats.lastSyncMs);
    fsyncsObserved = stats.syncs;
  });

  const router = createRouter([
    ...eventRoutes({ reader, lineage, now, rejectedCounts: () => core.ingest.stats.rejected }),
    ...lineageRoutes({ lineage, now }),
    ...buildingRoutes(createBuildingView({ reader: lineage, activity, now })),
    ...rulesRoutes(rules),
    ...feedRoutes({ feed, reader }),
    ...opsRoutes({ health, metrics }),
    ...dashboardRoutes(),
  ]);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // No CORS headers, ever: browsers keep other sites' pages from reading these answers.
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, 'FL_ERR_HTTP_METHOD', 'this API is read-only: GET and HEAD only', { allow: 'GET, HEAD' });
      }
      const url = new URL(req.url ?? '/', 'http://gateway');
      const found = router.match(url.pathname);
      // The dashboard's files hold no data: with a token configured the page loads and asks for it.
      if (!(access.tokenRequired && found && DASHBOARD_PATHS.has(url.pathname))) await access.check(req);
      if (!found) throw new HttpError(404, 'FL_ERR_NOT_FOUND', `no such resource: ${url.pathname}`);
      await found.handler({ req, res, url, params: found.params });
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'FL_ERR_HTTP_INTERNAL', 'internal error (see the gateway log)');
      if (!(err instanceof HttpError)) deps.log.error('http request failed', { url: req.url, err: (err as Error)?.stack ?? String(err) });
      if (!res.headersSent) sendError(res, e);
      else res.destroy();
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(deps.port, deps.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    stopParts();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new FirstlightError('FL_ERR_PORT_IN_USE', `cannot listen on http://${deps.host}:${deps.port}: the port is in use`, [
        'stop what uses it, or choose another port with --http-port (0 picks a free one)',
      ]);
    }
    throw err;
  }

  function stopParts(): void {
    feed.close();
    offCommitTimer();
    tracker.stop();
    activity.stop();
    health.stop();
    readDb.close();
  }

  const { port } = server.address() as AddressInfo;
  const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    feed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        feed.close();
        server.closeAllConnections();
      }).then(stopParts);
      return closing;
    },
  };
}
