// The dashboard in a real headless Chromium against a running gateway fed by real MQTT: a motion
// message turns the room occupied and its light on in the page within a second, and the light's
// lineage leads back to the motion event. Screenshots go to test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startZ2mHome, type Z2mHome } from '../helpers/z2m-home.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const data = tempDir();
let gateway: GatewayProcess;
let z2m: Z2mHome;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gateway = await startGatewayProcess({ data: data.path });
  z2m = await startZ2mHome(gateway.url);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});
afterAll(async () => {
  await browser?.close();
  await z2m?.close();
  await gateway?.stop();
  data.remove();
});

async function open(viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(gateway.httpUrl);
  await page.waitForSelector('[data-room="hall"]');
  await page.waitForSelector('#status[data-state="live"]');
  expect(errors).toEqual([]);
  return page;
}

describe('the dashboard', () => {
  it('shows the room turn occupied and its light turn on within a second of a motion message', async () => {
    const page = await open({ width: 1280, height: 860 });
    expect(await page.getAttribute('[data-room="hall"]', 'data-occupied')).toBe('false');
    expect(await page.getAttribute('[data-device="hall/ceiling"]', 'data-on')).toBe('false');

    const answered = z2m.nextAnswer('hall/ceiling');
    const started = performance.now();
    await z2m.motion('hall/motion', true);
    await page.waitForSelector('[data-room="hall"][data-occupied="true"] [data-device="hall/ceiling"][data-on="true"]', { timeout: 1000 });
    expect(performance.now() - started).toBeLessThan(1000);
    await answered;
    // The live list shows the chain as it happened.
    await page.waitForSelector('#event-list .ev[data-type="light.state"]');
    for (const type of ['sensor.occupancy', 'room.entered', 'command.light']) expect(await page.locator(`#event-list .ev[data-type="${type}"]`).count()).toBeGreaterThan(0);
    await page.close();
  });

  it("opens the light's lineage, with the motion event in it, and walks the chain by clicking", async () => {
    // A little more life in the building for the screenshot.
    await z2m.client.publishAsync('zigbee2mqtt/ground/living room/climate', JSON.stringify({ temperature: 21.4, humidity: 48, battery: 88, linkquality: 96 }), { qos: 1 });
    await z2m.client.publishAsync('zigbee2mqtt/kitchen/door', JSON.stringify({ contact: false, battery: 91, linkquality: 60 }), { qos: 1 });
    await z2m.client.publishAsync('zigbee2mqtt/ground/living room/lamp', JSON.stringify({ state: 'ON', linkquality: 110 }), { qos: 1 });
    const page = await open({ width: 1280, height: 860 });
    await page.waitForSelector('[data-device="ground/living room/lamp"][data-on="true"]');

    await page.click('[data-device="hall/ceiling"]');
    const motion = page.locator('#lineage .node[data-type="sensor.occupancy"]');
    await motion.waitFor();
    expect(await motion.textContent()).toContain('hall/motion reported presence');
    expect(await page.locator('#lineage .because').textContent()).toMatch(/^hall\/ceiling is on because hall\/motion reported presence at .*, the light confirmed at /);
    expect(await page.locator('#lineage .node[data-outcome="confirmed"][data-type="light.state"]').count()).toBe(1);
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png` });

    // Click through to the motion event itself: its effects lead to the room and the command.
    await motion.locator('a').click();
    await page.waitForSelector('#lineage .effects .node[data-type="room.entered"]');
    expect(await page.locator('#lineage .effects .node[data-type="command.light"]').count()).toBe(1);
    expect(await page.textContent('#lineage-title')).toMatch(/^sensor\.occupancy #\d+$/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-event.png` });
    await page.close();
  });

  it('reads on a phone: one column, nothing wider than the screen', async () => {
    const page = await open({ width: 390, height: 844 });
    // A string, evaluated in the page: the runtime's TypeScript config has no DOM types.
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    const [building, events] = await Promise.all([page.locator('#building').boundingBox(), page.locator('#events').boundingBox()]);
    expect(events!.y).toBeGreaterThan(building!.y + building!.height - 1);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-phone.png`, fullPage: true });
    await page.close();
  });
});
