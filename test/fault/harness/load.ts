// QoS 1 publishers for crash tests: each message is a CloudEvent whose id and data carry a harness
// nonce, and the harness notes every PUBACK it received, so an oracle can compare with the log.
import { connectAsync, type MqttClient } from 'mqtt';

export const READING = 'test.reading';

export function reading(nonce: number): string {
  return JSON.stringify({ specversion: '1.0', id: `n-${nonce}`, source: '/harness', type: READING, data: { nonce } });
}

export interface Load {
  /** Nonces whose PUBACK arrived. */
  acked: Set<number>;
  /** Resolves when every message was acknowledged or its client lost its connection. */
  finished: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `publishers` clients, each publishing its share of nonces [from, from + count) pipelined,
 * and calls `onAck` after each PUBACK (a test kills the gateway from there, at a random moment).
 */
export async function startLoad(url: string, options: { from?: number; count: number; publishers: number; onAck?(acked: number): void }): Promise<Load> {
  const from = options.from ?? 0;
  const acked = new Set<number>();
  const clients: MqttClient[] = [];
  for (let p = 0; p < options.publishers; p++) {
    clients.push(await connectAsync(url, { clientId: `load-${p}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0, connectTimeout: 5000 }));
  }
  const finished = Promise.all(
    clients.map(
      (client, p) =>
        new Promise<void>((resolve) => {
          client.on('error', () => {});
          client.once('close', () => resolve());
          let left = 0;
          for (let nonce = from + p; nonce < from + options.count; nonce += options.publishers) {
            left++;
            client.publish('cloudevents/harness', reading(nonce), { qos: 1 }, (err) => {
              if (!err) {
                acked.add(nonce);
                options.onAck?.(acked.size);
              }
              if (--left === 0) resolve();
            });
          }
          if (left === 0) resolve();
        }),
    ),
  ).then(() => {});
  return {
    acked,
    finished,
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    },
  };
}

/** Publishes the given nonces once more, as a client does after reconnecting; resolves when all are acked. */
export async function republish(url: string, nonces: Iterable<number>): Promise<void> {
  const client = await connectAsync(url, { clientId: `resend-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0, connectTimeout: 5000 });
  try {
    await Promise.all([...nonces].map((n) => client.publishAsync('cloudevents/harness', reading(n), { qos: 1 })));
  } finally {
    await client.endAsync();
  }
}
