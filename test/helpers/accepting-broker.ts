// The embedded broker on an ephemeral loopback port with an ingest that takes (and records) every
// message at once: for tests about the broker's own checks, not about the log.
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../gateway/broker/embedded-broker.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';

export async function startAcceptingBroker(
  options: Omit<EmbeddedBrokerOptions, 'host' | 'port' | 'accept'> = {},
): Promise<{ broker: EmbeddedBroker; accepted: InboundMessage[] }> {
  const accepted: InboundMessage[] = [];
  const broker = await startEmbeddedBroker({
    host: '127.0.0.1',
    port: 0,
    accept: (m, done) => {
      accepted.push(m);
      done?.(null);
    },
    ...options,
  });
  return { broker, accepted };
}
