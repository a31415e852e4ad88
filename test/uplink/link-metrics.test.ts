// An unreachable uplink is not silent: /metrics says which link is down and how far behind it is.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../gateway/http/metrics.ts';
import { linkGauges } from '../../gateway/uplink/link-gauges.ts';
import type { Broker } from '../../gateway/broker/broker.ts';
import type { Upstream } from '../../gateway/uplink/start-upstream.ts';

const sources = {
  ingest: { messages: 0, events: 0, rejected: {}, ignored: 0 },
  commits: { commits: 0, events: 0, failures: 0, lastCommitMs: 0 },
  rules: () => new Map(),
  actuator: { sent: 0, failed: 0, expired: 0 },
  head: () => 0,
  confirmedCommands: () => 0,
  feed: () => ({ clients: 0, skipped: 0 }),
  files: () => ({ db: 0, wal: 0 }),
  eventLoop: () => ({ p50Ms: 0, p99Ms: 0, maxMs: 0 }),
};

describe('link metrics', () => {
  it('reports each link as up or down, the connection attempts and the uplink backlog', async () => {
    const broker = { kind: 'external', stats: () => ({ connected: true, attempts: 1, connects: 1, pendingCommands: 0 }) } as unknown as Broker;
    const upstream = {
      stats: () => ({ link: { connected: false, attempts: 7, connects: 1 }, forward: { connected: false, position: 900, head: 1500, inflight: 0, forwarded: 880, timeouts: 1 }, mode: 'binary' }),
    } as unknown as Upstream;
    const text = await createMetrics({ ...sources, links: linkGauges(broker, upstream) } as never).render();
    expect(text).toContain('firstlight_link_connected{link="broker"} 1');
    expect(text).toContain('firstlight_link_connected{link="uplink"} 0');
    expect(text).toContain('firstlight_link_connect_attempts_total{link="uplink"} 7');
    expect(text).toContain('firstlight_uplink_backlog_events 600');
    expect(text).toContain('firstlight_uplink_forwarded_total 880');
    expect(text).toContain('firstlight_uplink_publish_timeouts_total 1');
  });

  it('adds nothing with the embedded broker and no uplink', async () => {
    expect(linkGauges({ kind: 'embedded' } as Broker, undefined)).toBeUndefined();
    expect(await createMetrics(sources as never).render()).not.toContain('firstlight_link_');
  });
});
