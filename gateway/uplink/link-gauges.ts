// What the links to other brokers report for /metrics: whether each is up, and the uplink's backlog.
import type { Broker } from '../broker/broker.ts';
import type { ExternalBroker } from '../broker/external-broker.ts';
import type { LinkGauges } from '../http/metrics.ts';
import type { Upstream } from './start-upstream.ts';

/** Undefined when there is nothing to report (the embedded broker and no uplink). */
export function linkGauges(broker: Broker, upstream: Upstream | undefined): (() => LinkGauges) | undefined {
  const external = broker.kind === 'external' ? (broker as ExternalBroker) : undefined;
  if (!external && !upstream) return undefined;
  return () => {
    const links: LinkGauges['links'] = [];
    if (external) {
      const s = external.stats();
      links.push({ link: 'broker', connected: s.connected, attempts: s.attempts });
    }
    if (!upstream) return { links };
    const { link, forward } = upstream.stats();
    links.push({ link: 'uplink', connected: link.connected, attempts: link.attempts });
    return {
      links,
      uplink: { backlog: Math.max(0, forward.head - forward.position), inflight: forward.inflight, forwarded: forward.forwarded, timeouts: forward.timeouts },
    };
  };
}
