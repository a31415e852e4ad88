// sensor-went-silent: an alert per device when a sensor stops reporting.
import { afterEach, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

let gw: TestGateway;
afterEach(() => gw.close());

it('raises an alert for the sensor that went silent, not for the one still reporting', async () => {
  gw = await createTestGateway({
    rules: [new URL('./sensor-went-silent.ts', import.meta.url).pathname],
    ruleOptions: { 'sensor-went-silent': { after: '30m' } },
    devices: [
      { name: 'kitchen/freezer', room: 'kitchen', kinds: ['temperature'] },
      { name: 'kitchen/fridge', room: 'kitchen', kinds: ['temperature'] },
    ],
  });
  await gw.fact('sensor.temperature', { device: 'kitchen/freezer', celsius: -18 });
  for (let i = 0; i < 6; i++) {
    await gw.fact('sensor.temperature', { device: 'kitchen/fridge', celsius: 4 });
    await gw.advance('10m');
  }
  expect(gw.events({ type: 'alert.raised' }).map((e) => e.data)).toEqual([
    expect.objectContaining({ alert: 'sensor-went-silent', device: 'kitchen/freezer', room: 'kitchen', message: expect.stringContaining('sent nothing for 30 minutes') }),
  ]);
});
