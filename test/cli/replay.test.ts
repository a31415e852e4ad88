// `firstlight replay` as a user runs it: a shipped rule replayed over a recorded stretch gives the
// outputs it gave live, a changed rule shows its differences, and the live log is never written.
import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestGateway } from '../../gateway/sdk/testing.ts';
import type { ReplayReport } from '../../gateway/replay/report.ts';
import { REPO, runCli, startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { bridgeDevices, connect, nextMessage } from '../helpers/mqtt.ts';
import { rulesProject } from '../helpers/rules-project.ts';

const dirs: Array<{ remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

const START = Date.UTC(2026, 0, 5, 7, 0, 0);
const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
  { name: 'kitchen/motion', room: 'kitchen', kinds: ['occupancy' as const] },
  { name: 'kitchen/spots', room: 'kitchen', kinds: ['light' as const] },
];

/** Records a simulated morning of two rooms with the shipped rules, in a log that stays on disk. */
async function recordMorning(): Promise<string> {
  const data = tempDir();
  dirs.push(data);
  const gw = await createTestGateway({
    rules: [join(REPO, 'rules/room-presence.ts'), join(REPO, 'rules/lights-follow-presence.ts')],
    devices,
    dataDir: data.path,
    clock: START,
  });
  const motion = (device: string, occupancy: boolean) => gw.message(`zigbee2mqtt/${device}`, { occupancy });
  for (let i = 0; i < 6; i++) {
    await motion('hall/motion', true);
    await gw.advance('40s');
    await motion('kitchen/motion', true);
    await motion('hall/motion', false);
    await gw.advance(`${3 + i}m`);
    // Presence back in the hall before its vacancy delay: the countdown starts over.
    if (i % 2 === 0) {
      await motion('hall/motion', true);
      await motion('hall/motion', false);
    }
    await motion('kitchen/motion', false);
    await gw.advance('25m');
  }
  await gw.close();
  return data.path;
}

async function replay(...args: string[]): Promise<ReplayReport> {
  const { code, stdout, stderr } = await runCli(['replay', ...args, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as ReplayReport;
}

const since = new Date(START - 60_000).toISOString();
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const essence = (e: Record<string, unknown>) => ({ type: e.type, data: e.data, causationid: e.causationid, id: e.id });

describe('firstlight replay', () => {
  it('gives the outputs a shipped rule gave live, over a recorded morning, and writes nothing to the log', async () => {
    const data = await recordMorning();
    const db = join(data, 'firstlight.db');
    const before = sha(db);

    const presence = await replay(join(REPO, 'rules/room-presence.ts'), '--since', since, '--data', data);
    expect(presence.emitted.map((e) => e.type)).toEqual(Array(6).fill(['room.entered', 'room.entered', 'room.vacated', 'room.vacated']).flat());
    expect(presence.comparison).toMatchObject({ same: 24, added: [], removed: [], changed: [], notCompared: 0 });

    const lights = await replay(join(REPO, 'rules/lights-follow-presence.ts'), '--since', since, '--data', data);
    expect(lights.commands).toHaveLength(24);
    expect(lights.comparison).toMatchObject({ same: 24, added: [], removed: [], changed: [] });

    // Same type, data, cause and id as the live log has them.
    const { stdout } = await runCli(['events', '--data', data, '--json', '--type', 'room.*', '--since', since, '--limit', '1000']);
    const live = stdout.trim().split('\n').map((l) => essence(JSON.parse(l) as Record<string, unknown>));
    expect(presence.emitted.map(essence)).toEqual(live);
    expect(sha(db)).toBe(before);
  });

  it('shows what a changed rule would have done differently, matched by what it reacted to', async () => {
    const data = await recordMorning();
    const project = rulesProject();
    dirs.push({ remove: project.cleanup });
    const changed = readFileSync(join(REPO, 'rules/room-presence.ts'), 'utf8').replace("prefault('10m')", "prefault('5m')");
    const file = project.write('room-presence.ts', changed);

    const report = await replay(file, '--since', since, '--data', data);
    const { comparison } = report;
    // Entering is unchanged; every vacancy comes 5 minutes sooner, with its own vacancy time.
    expect(comparison!.same).toBe(12);
    expect(comparison!.changed).toHaveLength(12);
    for (const change of comparison!.changed) {
      expect(change.differences).toEqual([
        'data.vacantForMs: 600000 -> 300000',
        expect.stringMatching(/^time: 5m earlier /),
      ]);
    }
    // Twice, the hall was left for 5 to 7 minutes: vacated, then entered again, where live it stayed occupied.
    expect(comparison!.added.map((e) => `${e.type} ${e.partitionkey as string}`)).toEqual(Array(2).fill(['room.vacated hall', 'room.entered hall']).flat());
    expect(comparison!.removed).toEqual([]);
  });

  it('compares with a rule as it ran live on the real clock, while the gateway is still running', async () => {
    const data = tempDir();
    dirs.push(data);
    const config = join(data.path, 'firstlight.yaml');
    writeFileSync(config, "rules:\n  options:\n    room-presence:\n      vacancyDelay: 300ms\n");
    const gateway = await startGatewayProcess({ data: data.path, extra: ['--config', config, '--http-port', '0'] });
    const z2m = await connect(gateway.url, 'zigbee2mqtt');
    try {
      await z2m.subscribeAsync('zigbee2mqtt/+/+/set', { qos: 1 });
      await z2m.publishAsync('zigbee2mqtt/bridge/devices', bridgeDevices(), { qos: 1, retain: true });
      for (let i = 0; i < 2; i++) {
        const on = nextMessage(z2m, (t) => t === 'zigbee2mqtt/hall/ceiling/set');
        await z2m.publishAsync('zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: true }), { qos: 1 });
        await on;
        const off = nextMessage(z2m, (t) => t === 'zigbee2mqtt/hall/ceiling/set');
        await z2m.publishAsync('zigbee2mqtt/hall/motion', JSON.stringify({ occupancy: false }), { qos: 1 });
        await off;
      }
      const report = await replay(join(REPO, 'rules/lights-follow-presence.ts'), '--since', '1h', '--data', data.path, '--config', config);
      expect(report.commands.map((e) => (e.data as { state: string }).state)).toEqual(['ON', 'OFF', 'ON', 'OFF']);
      expect(report.comparison).toMatchObject({ same: 4, added: [], removed: [], changed: [] });
      // room.vacated carries how long the room was empty, measured on the live clock: the replay's
      // timers fire as late as they did live, so it comes out the same to the millisecond.
      const presence = await replay(join(REPO, 'rules/room-presence.ts'), '--since', '1h', '--data', data.path, '--config', config);
      expect(presence.emitted.map((e) => e.type)).toEqual(['room.entered', 'room.vacated', 'room.entered', 'room.vacated']);
      expect(presence.comparison).toMatchObject({ same: 4, added: [], removed: [], changed: [] });
    } finally {
      await z2m.endAsync();
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('says what is missing, as usage errors', async () => {
    expect((await runCli(['replay', join(REPO, 'rules/room-presence.ts')])).stderr).toContain('replay needs --since [FL_ERR_USAGE]');
    expect((await runCli(['replay', '--since', '1h'])).code).toBe(2);
  });
});
