// morning-lights: weekday mornings on schedule, lights on in the configured rooms.
import { afterEach, expect, it } from 'vitest';
import { createTestGateway, SimulatedClock, type TestGateway } from 'firstlight/testing';

let gw: TestGateway;
afterEach(() => gw.close());
const rule = new URL('./morning-lights.ts', import.meta.url).pathname;
const devices = [{ name: 'kitchen/ceiling', room: 'kitchen', kinds: ['light' as const] }];

it('turns the kitchen light on at 06:45 on weekdays only', async () => {
  // Friday 2026-03-06, 00:00 UTC; the test kit's schedules use the process time zone unless told.
  gw = await createTestGateway({
    rules: [rule],
    ruleOptions: { 'morning-lights': { rooms: ['kitchen'], cron: '45 6 * * 1-5' } },
    devices,
    clock: new SimulatedClock(new Date(2026, 2, 6, 0, 0, 0)),
  });
  await gw.advance('3d'); // Friday, Saturday, Sunday
  const mornings = gw.events({ type: 'house.morning' }).map((e) => new Date((e.data as { scheduledFor: string }).scheduledFor));
  expect(mornings.map((d) => [d.getDay(), d.getHours(), d.getMinutes()])).toEqual([[5, 6, 45]]);
  expect(gw.sent.map((m) => `${m.topic} ${m.payload}`)).toEqual(['zigbee2mqtt/kitchen/ceiling/set {"state":"ON"}']);
});
