// Prometheus metrics (prom-client). Counters are read from the stats the pipeline already keeps, at
// scrape time; only the histograms are fed as things happen (once per commit, once per command).
// Its parts, not its index: the index also loads the Pushgateway (http, https, tls, zlib) and the
// cluster aggregator (cluster, dgram), memory on a Raspberry Pi that a scrape never uses.
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import gcDurations from 'prom-client/lib/metrics/gc.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processCpuTotal from 'prom-client/lib/metrics/processCpuTotal.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import nodeVersion from 'prom-client/lib/metrics/version.js';
import Registry from 'prom-client/lib/registry.js';
import type { ActuatorStats } from '../actuation/actuator.ts';
import type { RuleStats } from '../engine/rule-engine.ts';
import type { IngestStats } from '../ingest/ingest.ts';
import type { CommitStats } from '../log/committer.ts';
import type { LoopDelay } from './health.ts';

export interface MetricsSources {
  ingest: IngestStats;
  commits: CommitStats;
  rules(): Map<string, RuleStats & { version: string; position: number }>;
  actuator: ActuatorStats;
  /** Newest log position. */
  head(): number;
  confirmedCommands(): number;
  feed(): { clients: number; skipped: number };
  /** Sizes of the database file and its WAL, in bytes. */
  files(): { db: number; wal: number };
  /** Event-loop delay over health's last window (gateway/http/health.ts samples it). */
  eventLoop(): LoopDelay;
  /** The links to other brokers (external broker mode, the uplink), when there are any. */
  links?: (() => LinkGauges) | undefined;
}

/** What the links to other brokers report (gateway/uplink/link-gauges.ts builds it). */
export interface LinkGauges {
  links: Array<{ link: string; connected: boolean; attempts: number }>;
  uplink?: { backlog: number; inflight: number; forwarded: number; timeouts: number } | undefined;
}

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
  observeCommit(ms: number): void;
  observeFsync(ms: number): void;
  observeReaction(seconds: number): void;
  observeConfirmation(seconds: number): void;
}

/** Set a counter to a total kept elsewhere (counters have no `set`). */
function total(counter: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) counter.inc(labels, value);
  else counter.inc(value);
}

export function createMetrics(src: MetricsSources): Metrics {
  const registry = new Registry();
  // prom-client's default metrics but its event-loop lag: that one keeps a histogram of its own and
  // wakes the process to sample it, beside the one health already keeps (gauges below read that).
  for (const register of [processCpuTotal, processStartTime, osMemoryHeap, processOpenFileDescriptors, processMaxFileDescriptors, processResources, processHandles, processRequests, heapSizeAndUsed, heapSpacesSizeAndUsed, nodeVersion, gcDurations]) {
    register(registry);
  }
  // Every pipeline figure is read from its counters at scrape time, not bumped on the hot path.
  const collectedBy = <M extends { reset(): void }>(name: string, help: string, labelNames: string[], read: (metric: M) => void) => ({
    name,
    help,
    labelNames,
    registers: [registry],
    collect(this: M) {
      this.reset();
      read(this);
    },
  });
  const counter = (name: string, help: string, read: (c: Counter<string>) => void, labelNames: string[] = []): void =>
    void new Counter(collectedBy(name, help, labelNames, read));
  const gauge = (name: string, help: string, read: (g: Gauge<string>) => void, labelNames: string[] = []): void =>
    void new Gauge(collectedBy(name, help, labelNames, read));

  counter('firstlight_mqtt_messages_total', 'MQTT messages taken by ingest', (c) => total(c, src.ingest.messages));
  counter('firstlight_events_in_total', 'Events made from device messages (facts, discoveries, rejections)', (c) => total(c, src.ingest.events));
  counter('firstlight_input_rejected_total', 'Inputs quarantined as input.rejected, by reason code', (c) => {
    for (const [code, n] of Object.entries(src.ingest.rejected)) total(c, n, { code });
  }, ['code']);
  counter('firstlight_input_ignored_total', 'Messages that were not facts (no adapter claims them, bridge logging)', (c) => total(c, src.ingest.ignored));
  counter('firstlight_log_events_total', 'Events appended to the log (facts and everything derived)', (c) => total(c, src.commits.events));
  counter('firstlight_log_commits_total', 'Group commits', (c) => total(c, src.commits.commits));
  counter('firstlight_log_commit_failures_total', 'Group commits that failed and rolled back', (c) => total(c, src.commits.failures));
  gauge('firstlight_log_position', 'Position of the newest event in the log', (g) => g.set(src.head()));
  gauge('firstlight_log_file_bytes', 'Size of the log database, by file', (g) => {
    const f = src.files();
    g.set({ file: 'db' }, f.db);
    g.set({ file: 'wal' }, f.wal);
  }, ['file']);
  counter('firstlight_rule_runs_total', 'Rule handler runs', (c) => {
    for (const [rule, s] of src.rules()) total(c, s.runs, { rule });
  }, ['rule']);
  counter('firstlight_rule_failures_total', 'Rule handler runs that failed (recorded as rule.failed)', (c) => {
    for (const [rule, s] of src.rules()) total(c, s.failures, { rule });
  }, ['rule']);
  counter('firstlight_rule_busy_seconds_total', 'Time spent in rule handlers', (c) => {
    for (const [rule, s] of src.rules()) total(c, s.busyMs / 1000, { rule });
  }, ['rule']);
  gauge('firstlight_rule_lag_events', 'Events in the log a rule has not processed yet', (g) => {
    const head = src.head();
    for (const [rule, s] of src.rules()) g.set({ rule }, Math.max(0, head - s.position));
  }, ['rule']);
  counter('firstlight_commands_sent_total', 'Device commands the broker took', (c) => total(c, src.actuator.sent));
  counter('firstlight_commands_failed_total', 'Device commands that could not be sent', (c) => total(c, src.actuator.failed));
  counter('firstlight_commands_expired_total', 'Device commands too old to send after downtime', (c) => total(c, src.actuator.expired));
  counter('firstlight_commands_confirmed_total', 'Device commands the device confirmed by reporting the commanded state', (c) => total(c, src.confirmedCommands()));
  gauge('nodejs_eventloop_lag_p50_seconds', 'Median event-loop delay over the last 30 s window', (g) => g.set(src.eventLoop().p50Ms / 1000));
  gauge('nodejs_eventloop_lag_p99_seconds', '99th percentile of event-loop delay over the last 30 s window', (g) => g.set(src.eventLoop().p99Ms / 1000));
  gauge('nodejs_eventloop_lag_max_seconds', 'Longest event-loop delay over the last 30 s window', (g) => g.set(src.eventLoop().maxMs / 1000));
  gauge('firstlight_live_feed_clients', 'Connected live-feed (SSE) clients', (g) => g.set(src.feed().clients));
  counter('firstlight_live_feed_skipped_total', 'Events a slow live-feed client skipped (they stay in the log)', (c) => total(c, src.feed().skipped));
  if (src.links) {
    const links = src.links;
    gauge('firstlight_link_connected', 'Whether the link to another broker is up (1) or not (0)', (g) => {
      for (const l of links().links) g.set({ link: l.link }, l.connected ? 1 : 0);
    }, ['link']);
    counter('firstlight_link_connect_attempts_total', 'Connection attempts to another broker', (c) => {
      for (const l of links().links) total(c, l.attempts, { link: l.link });
    }, ['link']);
    gauge('firstlight_uplink_backlog_events', 'Log positions the uplink has not forwarded (or passed over) yet', (g) => g.set(links().uplink?.backlog ?? 0));
    gauge('firstlight_uplink_inflight_events', 'Events published upstream and not acknowledged yet', (g) => g.set(links().uplink?.inflight ?? 0));
    counter('firstlight_uplink_forwarded_total', 'Events the upstream acknowledged', (c) => total(c, links().uplink?.forwarded ?? 0));
    counter('firstlight_uplink_publish_timeouts_total', 'Publishes the upstream did not acknowledge in time (the link was dropped)', (c) => total(c, links().uplink?.timeouts ?? 0));
  }

  const commit = new Histogram({
    name: 'firstlight_log_commit_seconds',
    help: 'Duration of a group commit (the transaction, with the rules that ran in it)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const fsync = new Histogram({
    name: 'firstlight_log_fsync_seconds',
    help: 'Duration of an fsync that made group commits durable (storage.synchronous FULL; off the event loop)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const reaction = new Histogram({
    name: 'firstlight_reaction_seconds',
    help: 'From a device fact received to the command it caused published (reactions within one commit)',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const confirmation = new Histogram({
    name: 'firstlight_confirmation_seconds',
    help: 'From a command published to the device reporting the commanded state',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observeCommit: (ms) => commit.observe(ms / 1000),
    observeFsync: (ms) => fsync.observe(ms / 1000),
    observeReaction: (s) => reaction.observe(s),
    observeConfirmation: (s) => confirmation.observe(s),
  };
}
