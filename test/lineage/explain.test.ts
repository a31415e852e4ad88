// Lineage on the simulated clock: chains through timers, commands a device did not confirm or
// contradicted, and causes missing from the log.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from 'firstlight/testing';
import { createEventReader } from '../../gateway/log/event-reader.ts';
import { why } from '../../gateway/lineage/why.ts';
import type { DeviceExplanation } from '../../gateway/lineage/explain-device.ts';
import type { EventExplanation } from '../../gateway/lineage/explain-event.ts';
import type { RoomExplanation } from '../../gateway/lineage/explain-room.ts';
import { formatExplanation } from '../../gateway/lineage/format-text.ts';

const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
];
const rules = new URL('../../rules/', import.meta.url).pathname;

let gw: TestGateway;
// Times in sentences are local time of day; pin the zone so the expected text holds anywhere.
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterEach(() => gw?.close());

function ask(target: string, effects = false) {
  const reader = { log: createEventReader(gw.core.db), devices: gw.core.registry };
  return why(reader, target, { now: new Date(gw.clock.now()), effects });
}

describe('why, on the simulated clock', () => {
  it('explains a light switched off by the vacancy timer, back to the sensor that stopped seeing anyone', async () => {
    gw = await createTestGateway({ rules, devices });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('10m');
    const x = ask('hall/ceiling') as DeviceExplanation;
    expect(x.kind).toBe('device');
    expect(x.lastCommand!.causes.map((n) => n.event.type)).toEqual(['sensor.occupancy', 'timer.fired', 'room.vacated']);
    expect(x.lastCommand!.causes[0]!.event.data).toEqual({ device: 'hall/motion', occupied: false });
    expect(x.lastCommand!.outcome).toEqual({ status: 'unconfirmed' });
    expect(x.sentence).toMatch(
      /^hall\/ceiling was last commanded OFF because hall\/motion reported no presence at 08:00:00, the vacancy timer of rule room-presence fired at 08:10:00, rule room-presence derived room\.vacated \(hall\), rule lights-follow-presence v[0-9a-f]{8} commanded OFF, the light has not confirmed it\.$/,
    );
  });

  it('says when the light reported a state no command asked for', async () => {
    gw = await createTestGateway({ rules, devices });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('light.state', { device: 'hall/ceiling', on: true });
    await gw.advance('1m');
    await gw.fact('light.state', { device: 'hall/ceiling', on: false });
    const x = ask('device:hall/ceiling') as DeviceExplanation;
    expect(x.state?.on).toBe(false);
    expect(x.lastCommand!.outcome!.status).toBe('confirmed');
    expect(x.sentence).toMatch(/^hall\/ceiling is off: it reported OFF at 08:01:00, which no firstlight command caused .*Before that, hall\/ceiling was commanded ON because hall\/motion reported presence at 08:00:00,/);
  });

  it('marks a command contradicted when the first report after it is the other state', async () => {
    gw = await createTestGateway({ rules, devices });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('light.state', { device: 'hall/ceiling', on: false });
    const [command] = gw.events({ type: 'command.light' });
    const x = ask(command!.id) as EventExplanation;
    expect(x.outcome!.status).toBe('contradicted');
    expect(x.because).toMatch(/, but the light reported OFF at 08:00:00$/);
  });

  it('lists everything a fact caused, as a tree, and finds events by log position', async () => {
    gw = await createTestGateway({ rules, devices });
    const fact = await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    const x = ask(`#${fact.seq}`, true) as EventExplanation;
    expect(x.event.event.id).toBe(fact.id);
    expect(x.effects!.map((n) => n.event.type)).toEqual(['room.entered']);
    expect(x.effects![0]!.effects.map((n) => n.event.type)).toEqual(['command.light']);
    expect(formatExplanation(x, new Date(gw.clock.now()))).toContain('Effects of #');
  });

  it('explains a room by its last occupancy change and its lights', async () => {
    gw = await createTestGateway({ rules, devices });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    const x = ask('hall') as RoomExplanation;
    expect(x.kind).toBe('room');
    expect(x.occupancy!.occupied).toBe(true);
    expect(x.lights.map((l) => l.device.name)).toEqual(['hall/ceiling']);
    expect(x.sentence).toMatch(/^hall is occupied since 08:00:00 because hall\/motion reported presence at 08:00:00, rule room-presence derived room\.entered \(hall\)\./);
  });

  it('stops a chain at a cause that is not in the log, and says so', async () => {
    gw = await createTestGateway({ rules: [], devices });
    await gw.message('cloudevents/x', { specversion: '1.0', id: 'orphan', source: '/elsewhere', type: 'alarm.raised', causationid: 'lost-cause' });
    const x = ask('event:orphan') as EventExplanation;
    expect(x.complete).toBe(false);
    expect(x.missingCause).toBe('lost-cause');
    expect(x.causes).toEqual([]);
  });

  it('answers undefined for a name nothing has', async () => {
    gw = await createTestGateway({ rules: [], devices });
    expect(ask('nowhere')).toBeUndefined();
    expect(ask('device:hall')).toBeUndefined();
  });
});
