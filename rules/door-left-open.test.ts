// door-left-open: an alert when a contact stays open for the configured time, and only then.
import { afterEach, expect, it } from 'vitest';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

let gw: TestGateway;
afterEach(() => gw.close());
const start = (options = {}) =>
  createTestGateway({
    rules: [new URL('./door-left-open.ts', import.meta.url).pathname],
    ruleOptions: { 'door-left-open': options },
    devices: [{ name: 'garage/door', room: 'garage', kinds: ['contact'] }],
  });
const alerts = () => gw.events({ type: 'alert.raised' }).map((e) => e.data);

it('raises one alert when the garage door stays open for 5 minutes', async () => {
  gw = await start();
  await gw.fact('sensor.contact', { device: 'garage/door', open: true });
  await gw.advance('4m59s');
  expect(alerts()).toEqual([]);
  await gw.advance('1s');
  expect(alerts()).toEqual([{ alert: 'door-left-open', message: 'garage/door has been open for 5 minutes', device: 'garage/door', room: 'garage' }]);
  await gw.advance('1h');
  expect(alerts()).toHaveLength(1);
});

it('says nothing when the door closes in time, and honours a configured delay', async () => {
  gw = await start({ after: '30s' });
  await gw.fact('sensor.contact', { device: 'garage/door', open: true });
  await gw.advance('20s');
  await gw.fact('sensor.contact', { device: 'garage/door', open: false });
  await gw.advance('1h');
  expect(alerts()).toEqual([]);
  await gw.fact('sensor.contact', { device: 'garage/door', open: true });
  await gw.advance('30s');
  expect(alerts()).toHaveLength(1);
});
