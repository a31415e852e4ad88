// Behaviour of single simulated devices on a simulated clock: what a real device of each kind does.
import { describe, expect, it } from 'vitest';
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import { SimulatedClock } from '../../gateway/clock.ts';
import type { DeviceInfo, Fact, LightCommand } from '../../gateway/sdk/device.ts';
import { createAgenda } from '../../simulators/agenda.ts';
import { createClimateSensor } from '../../simulators/devices/climate-sensor.ts';
import { createLight } from '../../simulators/devices/light.ts';
import { createMotionSensor } from '../../simulators/devices/motion-sensor.ts';
import type { RadioOptions } from '../../simulators/devices/radio.ts';
import { createRandom } from '../../simulators/random.ts';
import { createRecordingTransport } from '../../simulators/transport.ts';

const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
const start = Date.UTC(2026, 0, 5, 12);

function rig(name: string, kinds: DeviceInfo['kinds']) {
  const clock = new SimulatedClock(start);
  const agenda = createAgenda(clock);
  const transport = createRecordingTransport();
  const info: DeviceInfo = { name, adapter: 'zigbee2mqtt', room: name.split('/')[0], kinds };
  const log: { at: number; topic: string; facts: readonly Fact[] }[] = [];
  const deps = {
    info, codec: adapter.simulate!, agenda, random: createRandom(7), transport, availabilityFormat: 'json' as const,
    observer: { published: (_d: DeviceInfo, m: { topic: string }, facts: readonly Fact[]) => log.push({ at: clock.now() - start, topic: m.topic, facts }) },
  };
  const run = (ms: number) => clock.runUntil(clock.now() + ms);
  const states = () => log.filter((l) => !l.topic.endsWith('/availability'));
  return { clock, agenda, deps, log, run, states, transport };
}

const occupancy = (facts: readonly Fact[]) => facts.find((f) => f.type === 'sensor.occupancy')?.data;

describe('a simulated motion sensor', () => {
  it('reports occupancy at once, is blind for its detection interval, and clears after its own timeout', async () => {
    const r = rig('hall/motion', ['occupancy', 'illuminance', 'battery']);
    const sensor = createMotionSensor(r.deps, { battery: 90 }, { occupancyTimeout: 90_000, detectionInterval: 60_000, illuminance: () => 42.4 });
    sensor.start();
    sensor.see();
    await r.run(30_000);
    sensor.see(); // within the detection interval: not reported, and the timeout is not restarted
    await r.run(59_999);
    expect(r.states().map((s) => [s.at, occupancy(s.facts)?.occupied])).toEqual([[0, true]]);
    await r.run(1);
    expect(r.states().map((s) => [s.at, occupancy(s.facts)?.occupied])).toEqual([[0, true], [90_000, false]]);
    expect(r.states()[0]!.facts).toContainEqual({ type: 'sensor.illuminance', data: { device: 'hall/motion', lux: 42 } });
    expect(r.states()[0]!.facts).toContainEqual({ type: 'device.battery', data: { device: 'hall/motion', percent: 90 } });
  });

  it('keeps reporting occupancy while someone keeps moving, so it never clears', async () => {
    const r = rig('hall/motion', ['occupancy', 'illuminance', 'battery']);
    const sensor = createMotionSensor(r.deps, {}, { illuminance: () => 0 });
    sensor.start();
    for (let i = 0; i < 10; i++) {
      sensor.see();
      await r.run(61_000);
    }
    expect(r.states().every((s) => occupancy(s.facts)?.occupied)).toBe(true);
    expect(r.states()).toHaveLength(10);
    expect(sensor.occupied).toBe(true);
  });

  it('drains its battery with time and use, and goes offline for good when it is empty', async () => {
    const r = rig('hall/motion', ['occupancy', 'illuminance', 'battery']);
    const sensor = createMotionSensor(r.deps, { battery: 3, drainPerDay: 24, heartbeat: 3_600_000 }, { illuminance: () => 0 });
    sensor.start();
    await r.run(4 * 3_600_000);
    const batteries = r.states().flatMap((s) => s.facts.filter((f) => f.type === 'device.battery').map((f) => (f.data as { percent: number }).percent));
    expect(batteries.length).toBeGreaterThanOrEqual(2);
    expect(batteries[0]).toBe(2);
    expect(batteries.every((b, i) => i === 0 || b < batteries[i - 1]!)).toBe(true);
    expect(r.log.filter((l) => l.topic.endsWith('/availability')).map((l) => l.facts[0]!.data)).toEqual([
      { device: 'hall/motion', online: true },
      { device: 'hall/motion', online: false },
    ]);
    expect(sensor.online).toBe(false);
    const reports = r.states().length;
    sensor.see();
    await r.run(3_600_000);
    expect(r.states()).toHaveLength(reports);
  });

  it('drops off the network now and then, says so, and reports its state when it is back', async () => {
    const r = rig('hall/motion', ['occupancy', 'illuminance', 'battery']);
    const radio: RadioOptions = { offlinePerDay: 24, offlineFor: [60_000, 60_000], heartbeat: 0 };
    createMotionSensor(r.deps, radio, { illuminance: () => 0 }).start();
    await r.run(86_400_000);
    const availability = r.log.filter((l) => l.topic.endsWith('/availability')).map((l) => (l.facts[0]!.data as { online: boolean }).online);
    expect(availability.length).toBeGreaterThan(20);
    // online, then offline/online pairs; every return is followed by a state report.
    expect(availability.every((online, i) => online === (i % 2 === 0))).toBe(true);
    expect(r.states().length).toBe(Math.floor((availability.length - 1) / 2));
  });
});

describe('a simulated light', () => {
  const command = (state: LightCommand['state'], brightness?: number): LightCommand => ({ state, ...(brightness !== undefined && { brightness }) });

  it('applies a command after its delay and reports its state', async () => {
    const r = rig('hall/ceiling', ['light']);
    const changes: boolean[] = [];
    const light = createLight(r.deps, {}, { delay: 400, onChange: (on) => changes.push(on) });
    light.start();
    light.command(command('ON', 100));
    await r.run(399);
    expect(light.on).toBe(false);
    await r.run(1);
    expect(light.on).toBe(true);
    expect(r.states().map((s) => [s.at, s.facts])).toEqual([
      [400, [{ type: 'light.state', data: { device: 'hall/ceiling', on: true, brightness: 100, colorTemp: 370 } }]],
    ]);
    light.command(command('TOGGLE'));
    await r.run(400);
    expect(changes).toEqual([true, false]);
  });

  it('loses about its failure rate of commands, reporting nothing for a lost one', async () => {
    const r = rig('hall/ceiling', ['light']);
    let lost = 0;
    const light = createLight(r.deps, {}, { delay: 0, failureRate: 0.3, onLost: () => lost++ });
    light.start();
    for (let i = 0; i < 1000; i++) light.command(command(i % 2 ? 'OFF' : 'ON'));
    await r.run(1);
    expect(lost).toBeGreaterThan(240);
    expect(lost).toBeLessThan(360);
    expect(r.states()).toHaveLength(1000 - lost);
  });
});

describe('a simulated climate sensor', () => {
  it('reports only changes worth reporting, and its calibration drifts away from the truth', async () => {
    const r = rig('lab/climate', ['temperature', 'humidity', 'battery']);
    createClimateSensor(r.deps, { heartbeat: 0 }, { truth: () => ({ celsius: 21, percent: 45 }), driftPerDay: 2 }).start();
    await r.run(10 * 86_400_000);
    const value = (facts: readonly Fact[], type: string) => Object.values(facts.find((f) => f.type === type)!.data).find((v) => typeof v === 'number') as number;
    const temps = r.states().map((s) => value(s.facts, 'sensor.temperature'));
    const hums = r.states().map((s) => value(s.facts, 'sensor.humidity'));
    // Sampled every 5 minutes for 10 days (2,880 samples), but reported only on a change of 0.3 °C or 3 %.
    expect(temps.length).toBeGreaterThan(5);
    expect(temps.length).toBeLessThan(1500);
    for (let i = 1; i < temps.length; i++) {
      expect(Math.abs(temps[i]! - temps[i - 1]!) >= 0.3 || Math.abs(hums[i]! - hums[i - 1]!) >= 3).toBe(true);
    }
    expect(Math.max(...temps.map((t) => Math.abs(t - 21)))).toBeGreaterThan(0.5);
  });
});
