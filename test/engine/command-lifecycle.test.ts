// A light command is confirmed by the state the light reports, retried when it is not, and failed at last.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule } from 'firstlight';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const devices = [
  { name: 'hall/button', room: 'hall', kinds: ['button' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
];
const onPress = defineRule({ name: 'press-for-light', on: { 'button.action': (_e, ctx) => ctx.command('hall/ceiling', { state: 'ON' }) } });
let gw: TestGateway | undefined;
afterEach(() => gw?.close());

const start = async () => {
  gw = await createTestGateway({ rules: [onPress], devices, confirmCommands: { timeout: 5000, retries: 2 } });
  await gw.fact('button.action', { device: 'hall/button', action: 'single' });
  return gw;
};

describe('command lifecycle', () => {
  it('confirms a command when the light reports the state within the deadline', async () => {
    await start();
    const [command] = gw!.events({ type: 'command.light' });
    await gw!.advance('1200ms');
    const report = await gw!.fact('light.state', { device: 'hall/ceiling', on: true });
    expect(gw!.events({ type: 'command.confirmed' })).toMatchObject([
      { causationid: report.id, correlationid: report.id, data: { commandId: command!.id, device: 'hall/ceiling', latencyMs: 1200 } },
    ]);
    await gw!.advance('1m');
    expect(gw!.sent).toHaveLength(1);
  });

  it('retries an unconfirmed command, then records it as failed', async () => {
    await start();
    await gw!.advance('5s');
    await gw!.advance('5s');
    expect(gw!.events({ type: 'command.light' }).map((e) => (e.data as { attempt?: number }).attempt ?? 0)).toEqual([0, 1, 2]);
    expect(gw!.sent.map((m) => m.payload)).toEqual(['{"state":"ON"}', '{"state":"ON"}', '{"state":"ON"}']);
    await gw!.advance('5s');
    expect(gw!.events({ type: 'command.failed' }).map((e) => e.data)).toEqual([
      expect.objectContaining({ device: 'hall/ceiling', error: expect.stringContaining('did not report ON within 5000 ms, 3 attempt(s)') }),
    ]);
  });

  it('does not count a report of the other state as confirmation', async () => {
    await start();
    await gw!.fact('light.state', { device: 'hall/ceiling', on: false });
    expect(gw!.events({ type: 'command.confirmed' })).toEqual([]);
    await gw!.fact('light.state', { device: 'hall/ceiling', on: true });
    expect(gw!.events({ type: 'command.confirmed' })).toHaveLength(1);
  });
});

describe('command lifecycle across downtime', () => {
  it('does not retry a command whose deadline passed while the gateway was down', async () => {
    const { tempDir } = await import('../helpers/gateway-process.ts');
    const { SimulatedClock } = await import('firstlight/testing');
    const dir = tempDir();
    const clock = new SimulatedClock();
    const before = await createTestGateway({ rules: [onPress], devices, clock, dataDir: dir.path, confirmCommands: { timeout: 5000, retries: 2 } });
    await before.fact('button.action', { device: 'hall/button', action: 'single' });
    await before.close();
    gw = await createTestGateway({ rules: [onPress], devices, clock: new SimulatedClock(clock.now() + 3_600_000), dataDir: dir.path, confirmCommands: { timeout: 5000, retries: 2 } });
    expect(gw.sent).toEqual([]);
    expect(gw.events({ type: 'command.failed' }).map((e) => (e.data as { error: string }).error)).toEqual([expect.stringContaining('while the gateway was down')]);
    await gw.close();
    gw = undefined;
    dir.remove();
  });
});
