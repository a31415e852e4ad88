// `firstlight simulate` drives a gateway in another process over MQTT, and `firstlight export` plus
// `simulate --replay` play a recorded stretch of its log into another gateway.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/log/database.ts';
import { createEventStore } from '../../gateway/log/event-store.ts';
import { REPO, runCli, startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';

const HOME = join(REPO, 'simulators/buildings/home.yaml');
const dirs = [tempDir(), tempDir(), tempDir()];
const [first, second, files] = dirs.map((d) => d.path) as [string, string, string];
let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});
afterAll(() => dirs.forEach((d) => d.remove()));

type Line = { type: string; subject?: string; time: string; data: Record<string, unknown>; rawtopic?: string; rawpayload?: string };
const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
/** The log of a stopped gateway, read in this process (a CLI run per look would slow the test down). */
function logOf(dir: string, type?: string): Line[] {
  const db = openDatabase({ file: join(dir, 'firstlight.db'), readonly: true });
  try {
    return createEventStore(db).query({ type }) as unknown as Line[];
  } finally {
    db.close();
  }
}

describe('firstlight simulate and export', () => {
  it('runs the simulated home against a gateway in another process, whose rules switch its lights', async () => {
    gateway = await startGatewayProcess({ data: first });
    // A busy morning, 40 simulated minutes in about two seconds.
    const sim = await runCli(['simulate', '--building', HOME, '--broker', gateway.url, '--speed', '1200', '--start', '2026-01-05T06:40:00Z', '--duration', '40m', '--seed', '1']);
    expect(sim.stderr).toBe('');
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/simulating home: 6 rooms, 24 devices, 2 occupants/);
    const obeyed = /the lights obeyed (\d+) of (\d+) commands/.exec(sim.stdout);
    expect(Number(obeyed?.[2])).toBeGreaterThan(0);
    expect(obeyed?.[1]).toBe(obeyed?.[2]);
    expect(await gateway.stop('SIGTERM')).toBe(0);
    gateway = undefined;

    const events = logOf(first);
    expect(events.filter((e) => e.type === 'device.discovered')).toHaveLength(24);
    expect(events.filter((e) => e.type === 'sensor.occupancy').length).toBeGreaterThan(10);
    const commands = events.filter((e) => e.type === 'command.light');
    expect(commands.length).toBeGreaterThan(0);
    // The simulated lights reported back, as real ones through Zigbee2MQTT do.
    for (const c of commands) expect(events.some((e) => e.type === 'light.state' && e.subject === c.data.device)).toBe(true);
    expect(events.filter((e) => e.type === 'input.rejected')).toEqual([]);
  });

  it('exports a stretch of the log with the original messages, and replays it into another gateway', async () => {
    const all = logOf(first, 'sensor.*');
    const since = all[Math.floor(all.length / 4)]!.time;
    const out = join(files, 'stretch.jsonl');
    const exported = await runCli(['export', '--data', first, '--since', since, '--out', out]);
    expect(exported.code).toBe(0);
    const lines = jsonLines(readFileSync(out, 'utf8'));
    // The devices first, then the stretch, every device fact with the message it came in.
    expect(lines.slice(0, 24).every((l) => l.type === 'device.discovered')).toBe(true);
    const facts = lines.filter((l) => l.type.startsWith('sensor.'));
    expect(facts.length).toBeGreaterThan(5);
    expect(facts.every((l) => l.time >= since && l.rawtopic?.startsWith('zigbee2mqtt/') && l.rawpayload)).toBe(true);

    gateway = await startGatewayProcess({ data: second });
    const replay = await runCli(['simulate', '--replay', out, '--broker', gateway.url, '--speed', '1000']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replayed (\d+) of \1 messages/);
    expect(await gateway.stop('SIGTERM')).toBe(0);
    gateway = undefined;

    const replayed = logOf(second);
    const messages = (ls: Line[]) => [...new Set(ls.filter((l) => l.type === 'sensor.occupancy').map((l) => `${l.subject} ${JSON.stringify(l.data)}`))];
    const originals = lines.filter((l) => l.type === 'sensor.occupancy');
    expect(replayed.filter((l) => l.type === 'sensor.occupancy').map((l) => `${l.subject} ${JSON.stringify(l.data)}`)).toEqual(
      originals.map((l) => `${l.subject} ${JSON.stringify(l.data)}`),
    );
    expect(messages(replayed).length).toBeGreaterThan(0);
    expect(replayed.filter((l) => l.type === 'command.light').length).toBeGreaterThan(0);
  });

  it('says what is wrong with a building file, with the path of each problem', async () => {
    const bad = join(files, 'bad.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bad, 'name: bad\nfloors:\n  one:\n    rooms:\n      hall: { connects: [nowhere] }\n');
    const { code, stderr } = await runCli(['simulate', '--building', bad, '--broker', 'mqtt://127.0.0.1:1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid building/);
    expect(stderr).toMatch(/floors\.one\.rooms\.hall\.connects: no room "nowhere"/);
  });
});
