// An in-process gateway core with the real embedded broker on an ephemeral port, for integration tests.
import { join } from 'node:path';
import { SimulatedClock, systemClock, type Clock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { startEmbeddedBroker, type BrokerLimits, type EmbeddedBroker } from '../../gateway/broker/embedded-broker.ts';
import { loadRules } from '../../gateway/engine/rule-loader.ts';
import { loadAdapters } from '../../gateway/ingest/load-adapters.ts';
import { openDatabase } from '../../gateway/log/database.ts';
import type { OutboundMessage } from '../../gateway/sdk/device.ts';
import { tempDir } from './gateway-process.ts';

export interface InProcessGateway {
  core: Core;
  broker: EmbeddedBroker;
  url: string;
  sent: OutboundMessage[];
  errors: string[];
  close(): Promise<void>;
}

export async function startInProcess(options: {
  rulesDir?: string;
  clock?: Clock | SimulatedClock;
  schedule?: (flush: () => void) => void;
  maxPayloadBytes?: number;
  /** mqtt.limits of the embedded broker. */
  brokerLimits?: Partial<BrokerLimits>;
} = {}): Promise<InProcessGateway> {
  const dir = tempDir();
  const db = openDatabase({ file: join(dir.path, 'firstlight.db') });
  const adapters = await loadAdapters({});
  const errors: string[] = [];
  const sent: OutboundMessage[] = [];
  let broker: EmbeddedBroker | undefined;
  const core = createCore({
    db,
    clock: options.clock ?? systemClock,
    adapters,
    sourceBase: '/sites/test',
    log: { info() {}, warn() {}, error: (m, d) => errors.push(`${m} ${JSON.stringify(d)}`) },
    publish: (m, done) => {
      sent.push(m);
      broker!.publish(m, done);
    },
    maxPayloadBytes: options.maxPayloadBytes ?? 256 * 1024,
    maxCommandAgeMs: 60_000,
    schedule: options.schedule,
  });
  const rules = options.rulesDir ? await loadRules(options.rulesDir, {}) : { rules: [], errors: [] };
  if (rules.errors.length > 0) throw new Error(JSON.stringify(rules.errors));
  await core.start(rules.rules);
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, accept: core.ingest.accept, limits: options.brokerLimits });
  return {
    core,
    broker,
    url: `mqtt://127.0.0.1:${broker.port}`,
    sent,
    errors,
    async close() {
      await core.flush();
      await broker!.close();
      core.scheduler.stop();
      db.close();
      dir.remove();
    },
  };
}

/** Lets the event loop go round `turns` times (loopback data written so far is read by then). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
