// The flagship reaction on the simulated clock: presence turns a room's lights on, vacancy turns them off.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/motion-2', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
  { name: 'kitchen/motion', room: 'kitchen', kinds: ['occupancy' as const] },
  { name: 'kitchen/spots', room: 'kitchen', kinds: ['light' as const] },
];

let gw: TestGateway;
afterEach(() => gw?.close());

const start = (ruleOptions = {}, dataDir?: string) =>
  createTestGateway({ rules: new URL('.', import.meta.url).pathname, devices, ruleOptions, dataDir });

const types = () => gw.events({ type: 'room.*' }).map((e) => `${e.type} ${e.partitionkey}`);
const lightCommands = () => gw.sent.map((m) => `${m.topic} ${m.payload}`);

describe('room presence and lights', () => {
  it('turns the room light on when someone enters, and off after the vacancy delay', async () => {
    gw = await start();
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    expect(types()).toEqual(['room.entered hall']);
    expect(lightCommands()).toEqual(['zigbee2mqtt/hall/ceiling/set {"state":"ON"}']);

    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('9m59s');
    expect(types()).toEqual(['room.entered hall']);
    await gw.advance('1s');
    expect(types()).toEqual(['room.entered hall', 'room.vacated hall']);
    expect(lightCommands()).toEqual(['zigbee2mqtt/hall/ceiling/set {"state":"ON"}', 'zigbee2mqtt/hall/ceiling/set {"state":"OFF"}']);
  });

  it('keeps the room occupied while any of its sensors still sees someone', async () => {
    gw = await start();
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion-2', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('1h');
    expect(types()).toEqual(['room.entered hall']);
    await gw.fact('sensor.occupancy', { device: 'hall/motion-2', occupied: false });
    await gw.advance('10m');
    expect(types()).toEqual(['room.entered hall', 'room.vacated hall']);
  });

  it('restarts the countdown when presence returns before the delay is over', async () => {
    gw = await start();
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('8m');
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: false });
    await gw.advance('8m');
    expect(types()).toEqual(['room.entered hall']);
    await gw.advance('2m');
    expect(types()).toEqual(['room.entered hall', 'room.vacated hall']);
    expect(gw.events({ type: 'room.vacated' })[0]!.data).toEqual({ room: 'hall', vacantForMs: 600_000 });
  });

  it('uses a per-room vacancy delay from the options', async () => {
    gw = await start({ 'room-presence': { vacancyDelay: '10m', rooms: { kitchen: { vacancyDelay: '2m' } } } });
    await gw.fact('sensor.occupancy', { device: 'kitchen/motion', occupied: true });
    await gw.fact('sensor.occupancy', { device: 'kitchen/motion', occupied: false });
    await gw.advance('2m');
    expect(types()).toEqual(['room.entered kitchen', 'room.vacated kitchen']);
  });

  it('vacates a room whose only present sensor went offline', async () => {
    gw = await start();
    await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    await gw.fact('device.availability', { device: 'hall/motion', online: false });
    await gw.advance('10m');
    expect(types()).toEqual(['room.entered hall', 'room.vacated hall']);
  });

  it('links every command to the sensor fact that started it', async () => {
    gw = await start();
    const fact = await gw.fact('sensor.occupancy', { device: 'hall/motion', occupied: true });
    const [entered] = gw.events({ type: 'room.entered' });
    const [command] = gw.events({ type: 'command.light' });
    expect(entered!.causationid).toBe(fact.id);
    expect(command!.causationid).toBe(entered!.id);
    expect(command!.correlationid).toBe(fact.id);
    expect(command!.source).toBe('/sites/test/rules/lights-follow-presence');
    expect(command!.ruleversion).toMatch(/^[0-9a-f]{12}$/);
  });
});
