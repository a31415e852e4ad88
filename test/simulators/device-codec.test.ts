// Every kind of simulated device speaks Zigbee2MQTT exactly: whatever a device publishes, over many
// seeded days, the real adapter decodes back to the facts the device meant (decode(encode(x)) = x).
import { describe, expect, it } from 'vitest';
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import { SimulatedClock } from '../../gateway/clock.ts';
import type { DeviceInfo, Fact, InboundMessage, OutboundMessage } from '../../gateway/sdk/device.ts';
import { parseBuilding } from '../../simulators/building/load-building.ts';
import { deviceKinds } from '../../simulators/building/create-device.ts';
import { createSimulatedBuilding } from '../../simulators/building/simulated-building.ts';
import { createRecordingTransport } from '../../simulators/transport.ts';

const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
const inbound = (m: OutboundMessage): InboundMessage => ({ topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, retain: m.retain, replayed: false });

/** One room with a device of every kind, flaky and draining fast so dropouts and empty batteries happen. */
const everyKind = (availability: 'json' | 'legacy') =>
  parseBuilding({
    name: 'every-kind',
    availability,
    floors: {
      one: {
        rooms: {
          lab: {
            connects: ['outside', 'store'],
            devices: {
              motion: { type: 'motion', offlinePerDay: 6, offlineFor: '1m~30m', drainPerDay: 60, battery: 50 },
              door: { type: 'contact', door: 'outside', offlinePerDay: 3 },
              window: { type: 'contact', window: true },
              climate: { type: 'climate', offlinePerDay: 3 },
              button: { type: 'button', pressChance: 0.8 },
              lamp: { type: 'light', failureRate: 0.2, offlinePerDay: 2 },
            },
          },
          store: { devices: { motion: { type: 'motion', occupancyTimeout: '30s' } } },
        },
      },
    },
    occupants: {
      tester: { schedule: [{ at: '00:00~01:00', go: 'lab' }], wander: { rooms: ['store', 'lab'], every: '5m~30m', stay: '1m~5m' } },
      visitor: { schedule: [{ at: '08:00~10:00', go: 'lab', for: '1h~3h' }, { at: '12:00', go: 'store', for: '10m' }] },
    },
  });

describe('simulated devices on the Zigbee2MQTT wire format', () => {
  it('decode(encode(x)) = x for every message of every device kind, over many seeded days', async () => {
    const seenKinds = new Set<string>();
    const seenFacts = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const building = everyKind(seed % 2 === 0 ? 'legacy' : 'json');
      const clock = new SimulatedClock(Date.UTC(2026, 0, 5));
      const transport = createRecordingTransport();
      const sent: { device: DeviceInfo; message: OutboundMessage; facts: readonly Fact[] }[] = [];
      const sim = createSimulatedBuilding({
        building, adapter, clock, transport, seed,
        observer: { published: (device, message, facts) => sent.push({ device, message, facts }) },
      });
      sim.start();
      // A light hears commands now and then, as from a gateway.
      for (let h = 1; h < 24; h++) {
        clock.setTimeout(() => sim.deliver('zigbee2mqtt/lab/lamp/set', JSON.stringify({ state: h % 2 ? 'ON' : 'OFF', brightness: h * 10 })), h * 3_600_000);
      }
      await clock.runUntil(Date.UTC(2026, 0, 6));

      // The device list the simulated bridge published is what the adapter learns the devices from.
      const list = adapter.decode(inbound(transport.messages.find((m) => m.topic === 'zigbee2mqtt/bridge/devices')!), { device: () => undefined });
      if (list.kind !== 'devices') throw new Error(`device list did not decode: ${JSON.stringify(list)}`);
      expect(list.devices.map(({ name, room, kinds }) => ({ name, room, kinds }))).toEqual(sim.devices.map(({ name, room, kinds }) => ({ name, room, kinds })));
      const known = new Map(list.devices.map((d) => [d.name, d]));

      for (const { device, message, facts } of sent) {
        const decoded = adapter.decode(inbound(message), { device: (name) => known.get(name) });
        // The facts of one message are a set: JSON fields have no order that means anything.
        const sorted = (fs: readonly Fact[]) => [...fs].sort((a, b) => a.type.localeCompare(b.type));
        expect(decoded.kind === 'facts' && { ...decoded, facts: sorted(decoded.facts) }, message.topic + ' ' + message.payload).toEqual({
          kind: 'facts', device: device.name, facts: sorted(facts),
        });
        const body = message.topic.endsWith('/availability') ? undefined : (JSON.parse(message.payload) as Record<string, unknown>);
        if (body) {
          // Link quality rides along with every state message, as Zigbee2MQTT reports it.
          expect(body.linkquality).toSatisfy((q: unknown) => Number.isInteger(q) && (q as number) >= 0 && (q as number) <= 255);
          for (const kind of device.kinds) seenKinds.add(kind);
        }
        for (const f of facts) seenFacts.add(f.type);
      }
    }
    const allKinds = new Set(['motion', 'contact', 'climate', 'button', 'light'].flatMap((type) => deviceKinds({ type } as never)));
    expect([...seenKinds].sort()).toEqual([...allKinds].sort());
    expect([...seenFacts].sort()).toEqual([
      'button.action', 'device.availability', 'device.battery', 'light.state', 'sensor.contact',
      'sensor.humidity', 'sensor.illuminance', 'sensor.occupancy', 'sensor.temperature',
    ]);
  });

  it('publishes the bridge state the adapter leaves alone, and names the topics a light hears its commands on', () => {
    const sim = adapter.simulate!;
    const state = sim.encodeBridgeState(true, 'json');
    expect(state).toEqual({ topic: 'zigbee2mqtt/bridge/state', payload: '{"state":"online"}', qos: 0, retain: true });
    expect(sim.encodeBridgeState(false, 'legacy').payload).toBe('offline');
    expect(adapter.decode(inbound(state), { device: () => undefined })).toEqual({ kind: 'ignored', reason: 'bridge message' });
    const lamp: DeviceInfo = { name: 'ground/living room/lamp', adapter: 'zigbee2mqtt', kinds: ['light'] };
    expect(sim.commandTopics(lamp)).toEqual(['zigbee2mqtt/ground/living room/lamp/set', 'zigbee2mqtt/ground/living room/lamp/set/+']);
    const command = adapter.encodeLightCommand(lamp, { state: 'ON' });
    expect('topic' in command && command.topic).toBe(sim.commandTopics(lamp)[0]);
  });
});
