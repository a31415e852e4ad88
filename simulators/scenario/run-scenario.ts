// Runs a simulated building against the gateway's real pipeline (the test kit: real adapters, rules
// and log, on a simulated clock, no sockets): device messages go into ingest, the commands the
// gateway sends come back to the simulated lights, and a day takes seconds.
import type { DeviceAdapter, Duration, RuleDefinition } from 'firstlight';
import { createTestGateway, SimulatedClock, type TestGateway } from 'firstlight/testing';
import { createSimulatedBuilding, type BuildingObserver, type SimulatedBuilding } from '../building/simulated-building.ts';
import type { Building } from '../building/schema.ts';
import type { SimTransport } from '../transport.ts';
import { createTruth, type Truth } from './truth.ts';

export interface ScenarioOptions {
  building: Building;
  /** The adapter the building's devices speak (the gateway loads its own copy from devices/). */
  adapter: DeviceAdapter;
  /** Rule definitions, or a directory of rule files. */
  rules: RuleDefinition<any, any>[] | string;
  ruleOptions?: Record<string, unknown>;
  seed?: number | string;
  /** When the simulated day starts. */
  start: number | Date;
  /** Sees every message before the gateway does (e.g. to record it). */
  observer?: BuildingObserver;
}

export interface Scenario {
  readonly gateway: TestGateway;
  readonly building: SimulatedBuilding;
  readonly truth: Truth;
  readonly clock: SimulatedClock;
  /** Moves simulated time forward, with the building and the gateway reacting on the way. */
  runFor(ms: Duration): Promise<void>;
  close(): Promise<void>;
}

export async function startScenario(options: ScenarioOptions): Promise<Scenario> {
  const clock = new SimulatedClock(options.start);
  const gateway = await createTestGateway({ rules: options.rules, ruleOptions: options.ruleOptions, clock, site: 'sim' });
  const core = gateway.core;
  const transport: SimTransport = {
    publish(m) {
      core.ingest.accept({ topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, retain: m.retain, replayed: false });
    },
  };
  const truth = createTruth(() => clock.now());
  const observer: BuildingObserver = {
    published(d, m, f) {
      truth.observer.published?.(d, m, f);
      options.observer?.published?.(d, m, f);
    },
    occupancy: truth.observer.occupancy,
    light: truth.observer.light,
    commandLost: truth.observer.commandLost,
  };
  const building = createSimulatedBuilding({ building: options.building, adapter: options.adapter, clock, transport, seed: options.seed, observer });
  let delivered = 0;
  // After each step of simulated time: let the gateway commit and react, then hand the commands it
  // sent to the simulated devices, as the broker would.
  const settle = async (): Promise<void> => {
    await core.committer.settled();
    while (delivered < gateway.sent.length) {
      const m = gateway.sent[delivered++]!;
      building.deliver(m.topic, m.payload);
    }
  };
  building.start();
  await settle();

  return {
    gateway,
    building,
    truth,
    clock,
    async runFor(ms) {
      await clock.runUntil(clock.now() + ms, settle);
      await settle();
    },
    async close() {
      building.stop();
      await gateway.close();
    },
  };
}
