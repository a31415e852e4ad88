// A recorded morning: exported from one gateway's log and replayed into a fresh one by the
// simulators, on the recorded schedule, it brings the same facts and so the same commands.
import { afterEach, describe, expect, it } from 'vitest';
import { exportLines } from '../../gateway/cli/export-command.ts';
import { SimulatedClock } from '../../gateway/clock.ts';
import type { LoggedEvent } from '../../gateway/events/event.ts';
import { createTestGateway, type TestGateway } from '../../gateway/sdk/testing.ts';
import { parseRecording } from '../../simulators/replay/recording.ts';
import { createReplayer } from '../../simulators/replay/replayer.ts';
import type { Scenario } from '../../simulators/scenario/run-scenario.ts';
import { adapter, at, RULES, scenario } from './scenario-kit.ts';

let original: Scenario | undefined;
let replay: TestGateway | undefined;
afterEach(async () => {
  await original?.close();
  await replay?.close();
  original = replay = undefined;
});

// Battery and illuminance are logged only when they change, and a fresh gateway has no last value,
// so they are compared as the messages that carried them.
const facts = (events: LoggedEvent[]) =>
  events.filter((e) => /^(sensor\.(occupancy|contact|temperature|humidity)|device\.availability|button\.action|light\.state)$/.test(e.type)).map((e) => `${e.time} ${e.type} ${e.subject} ${JSON.stringify(e.data)}`);
const messages = (events: LoggedEvent[]) => [...new Set(events.filter((e) => e.raw).map((e) => `${e.time} ${e.raw!.topic} ${e.raw!.payload}`))];
const commands = (events: LoggedEvent[]) => events.filter((e) => e.type === 'command.light').map((e) => `${e.time} ${JSON.stringify(e.data)}`);

describe('a recorded day', () => {
  it('replays into a fresh gateway with the same facts at the same times, and so the same commands', async () => {
    original = await scenario('home.yaml', { seed: 3 });
    await original.runFor(at(10) - at(0));
    const since = new Date(at(5)).toISOString();
    const until = new Date(at(10)).toISOString();
    const text = [...exportLines(original.gateway.core.events, { since, until })].join('\n');
    const recorded = original.gateway.events({ since, until });

    const recording = parseRecording(text, adapter.simulate);
    expect(recording.invalid).toEqual([]);
    expect(recording.devices.map((d) => d.name)).toEqual(expect.arrayContaining(['hall/motion', 'hall/ceiling', 'study/desk-lamp']));
    // One message per device message, though one message carried several facts.
    expect(recording.messages.length).toBeLessThan(facts(recorded).length);

    const clock = new SimulatedClock(recording.start);
    replay = await createTestGateway({ rules: RULES, clock, site: 'sim' });
    const gateway = replay;
    const replayer = createReplayer({
      recording,
      clock,
      codec: adapter.simulate,
      transport: { publish: (m) => gateway.core.ingest.accept({ topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos, retain: m.retain, replayed: false }) },
    });
    replayer.start();
    await gateway.advance(at(10) - recording.start);
    await replayer.done;

    const replayed = gateway.events({ since, until });
    expect(commands(recorded).length).toBeGreaterThan(5);
    expect(messages(replayed)).toEqual(messages(recorded));
    expect(facts(replayed)).toEqual(facts(recorded));
    expect(commands(replayed)).toEqual(commands(recorded));
  });

  it('skips what a device did not publish: derived events, commands, and state a broker replayed', () => {
    const lines = [
      { type: 'room.entered', source: '/sites/x/rules/room-presence', time: '2026-01-05T07:00:00.000Z', causationid: 'a', data: { room: 'hall' } },
      { type: 'sensor.occupancy', source: '/sites/x/zigbee2mqtt/hall/motion', time: '2026-01-05T07:00:00.000Z', subject: 'hall/motion', replayed: true, rawtopic: 'zigbee2mqtt/hall/motion', rawpayload: '{"occupancy":true}', data: { device: 'hall/motion', occupied: true } },
      { type: 'sensor.occupancy', source: '/sites/x/zigbee2mqtt/hall/motion', time: '2026-01-05T07:00:01.000Z', subject: 'hall/motion', partitionkey: 'hall', rawtopic: 'zigbee2mqtt/hall/motion', rawpayload: '{"occupancy":false}', data: { device: 'hall/motion', occupied: false } },
    ];
    const recording = parseRecording(lines.map((l) => JSON.stringify(l)).join('\n') + '\nnot json\n');
    expect(recording.messages).toEqual([{ at: Date.parse('2026-01-05T07:00:01.000Z'), message: { topic: 'zigbee2mqtt/hall/motion', payload: '{"occupancy":false}', qos: 0, retain: false } }]);
    expect(recording.devices).toEqual([{ name: 'hall/motion', adapter: 'zigbee2mqtt', room: 'hall', kinds: ['occupancy'] }]);
    expect(recording.skipped).toBe(2);
    expect(recording.invalid).toHaveLength(1);
  });
});
