// `firstlight why` against a running gateway fed by real MQTT: the answer a user gets for a device,
// an event (both directions) and a room, as text and as JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startZ2mHome, type Z2mHome } from '../helpers/z2m-home.ts';

const data = tempDir();
let gateway: GatewayProcess;
let z2m: Z2mHome;

beforeAll(async () => {
  gateway = await startGatewayProcess({ data: data.path });
  z2m = await startZ2mHome(gateway.url);
  const answered = z2m.nextAnswer('hall/ceiling');
  await z2m.motion('hall/motion', true);
  await answered;
});
afterAll(async () => {
  await z2m?.close();
  await gateway?.stop();
  data.remove();
});

const why = (...args: string[]) => runCli(['why', ...args, '--data', data.path]);
const time = String.raw`\d\d:\d\d:\d\d(\.\d+)?`;

describe('firstlight why', () => {
  it('says why the hall light is on: the motion fact, the rules with their versions, the confirmation', async () => {
    const { code, stdout, stderr } = await why('hall/ceiling');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `hall/ceiling is on because hall/motion reported presence at ${time}, rule room-presence derived room\\.entered \\(hall\\), ` +
          `rule lights-follow-presence v[0-9a-f]{8} commanded ON, the light confirmed at ${time}\\.`,
      ),
    );
    // The tree: each step with its position and the rule behind it.
    expect(stdout).toMatch(/#\d+\s+sensor\.occupancy\s+hall\/motion reported presence/);
    expect(stdout).toMatch(/└ room\.entered\s+hall entered\s+· rule room-presence @[0-9a-f]{8}/);
    expect(stdout).toMatch(/✓ light\.state\s+hall\/ceiling reported ON .*\(confirmed\)/);
  });

  it('gives the same answer as JSON, with the ids of the events in the log', async () => {
    const events = (await runCli(['events', '--data', data.path, '--json', '--limit', '100'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; type: string });
    const { code, stdout } = await why('hall/ceiling', '--json');
    expect(code).toBe(0);
    const x = JSON.parse(stdout);
    const idOf = (type: string) => events.find((e) => e.type === type)!.id;
    expect(x.kind).toBe('device');
    expect(x.state.on).toBe(true);
    expect(x.lastCommand.event.event.id).toBe(idOf('command.light'));
    expect(x.lastCommand.causes.map((n: { event: { id: string } }) => n.event.id)).toEqual([idOf('sensor.occupancy'), idOf('room.entered')]);
    expect(x.lastCommand.outcome).toMatchObject({ status: 'confirmed', event: { event: { id: idOf('light.state') } } });
  });

  it('follows an event both ways: back to its causes and, with --effects, forward to what it caused', async () => {
    const fact = JSON.parse((await runCli(['events', '--data', data.path, '--json', '--type', 'sensor.occupancy'])).stdout.trim().split('\n')[0]!);
    const forward = JSON.parse((await why(fact.id, '--effects', '--json')).stdout);
    expect(forward.causes).toEqual([]);
    expect(forward.effects.map((n: { event: { type: string } }) => n.event.type)).toEqual(['room.entered']);
    expect(forward.effects[0].effects.map((n: { event: { type: string } }) => n.event.type)).toEqual(['command.light']);
    const text = await why(fact.id, '--effects');
    expect(text.stdout).toMatch(/Effects of #\d+:/);
    expect(text.stdout).toMatch(/└ command\.light\s+hall\/ceiling commanded ON/);
  });

  it('explains a room by its occupancy and its lights', async () => {
    const { code, stdout } = await why('hall');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^hall: occupied\\n\\nhall is occupied since ${time} because hall/motion reported presence at ${time}, rule room-presence derived room\\.entered \\(hall\\)\\.`));
    expect(stdout).toContain('hall/ceiling: on');
  });

  it('says what it can explain when nothing has the name, and asks for a target when given none', async () => {
    const missing = await why('the-moon');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[FL_ERR_NOT_FOUND]');
    const none = await runCli(['why', '--data', data.path]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('[FL_ERR_USAGE]');
  });
});
