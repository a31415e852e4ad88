// `firstlight simulate`: runs a simulated building (or replays a recorded stretch of a log) against
// any MQTT broker, speaking the device adapters' real wire formats: a firstlight in another process,
// or a Mosquitto that a gateway listens to.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { systemClock } from '../clock.ts';
import { FirstlightError } from '../errors.ts';
import { loadAdapters } from '../ingest/load-adapters.ts';
import type { DeviceAdapter, DeviceSimulationCodec } from '../sdk/device.ts';
import { parseDuration } from '../sdk/duration.ts';
import { BuildingError, loadBuilding } from '../../simulators/building/load-building.ts';
import type { Building } from '../../simulators/building/schema.ts';
import { createSimulatedBuilding } from '../../simulators/building/simulated-building.ts';
import { parseRecording } from '../../simulators/replay/recording.ts';
import { createReplayer } from '../../simulators/replay/replayer.ts';
import { createScaledClock } from '../../simulators/scaled-clock.ts';
import { resolveStart } from '../../simulators/start-time.ts';
import { createMqttTransport } from '../../simulators/transport.ts';
import { configFromFlags, parseArgs } from './options.ts';
import { untilSignal } from './until-signal.ts';

const HELP = `Usage: firstlight simulate --building <file> [options]
       firstlight simulate --replay <file.jsonl> [options]

Simulates a building's devices and the people in it, publishing exactly what Zigbee2MQTT would, to
an MQTT broker: a firstlight gateway, or the broker a gateway listens to. Lights obey the commands
they receive. Or replays a stretch of a log written by "firstlight export".

Options:
  -b, --building <file>  building file, YAML or TypeScript (e.g. simulators/buildings/home.yaml)
  -r, --replay <file>    a recorded stretch (firstlight export) to publish on its recorded schedule
      --broker <url>     MQTT broker (default mqtt://127.0.0.1:1883; mqtt://user:password@host:port
                         for a broker that wants a login, mqtts:// for TLS)
      --speed <n>        simulated time runs n times faster (default 1; 1440 is a day in a minute)
      --seed <n>         the same seed gives the same day (default 1)
      --start <time>     simulated start: "07:00" (today, building time), RFC 3339, or now (default)
      --duration <d>     stop after this much simulated time, e.g. "8h" (default: until Ctrl-C)
      --client-id <id>   MQTT client id (default firstlight-sim-<random>)
  -c, --config <file>    firstlight config, for the adapters' options (e.g. the base topic)

Speed-up applies to the simulator only: a gateway in another process keeps real time, so at
--speed 60 its 10-minute vacancy delay lasts ten simulated hours. "npm run demo" shares one clock.
`;

export async function runSimulate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      building: { type: 'string', short: 'b' },
      replay: { type: 'string', short: 'r' },
      broker: { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      'client-id': { type: 'string' },
      config: { type: 'string', short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if ((values.building === undefined) === (values.replay === undefined)) {
    throw new FirstlightError('FL_ERR_USAGE', 'give either --building <file> or --replay <file>', ['e.g. firstlight simulate --building simulators/buildings/home.yaml']);
  }
  const speed = numberArg(values.speed ?? '1', '--speed', (n) => n > 0);
  const duration = values.duration === undefined ? undefined : parseDuration(values.duration);
  if (values.duration !== undefined && duration === undefined) throw new FirstlightError('FL_ERR_USAGE', `--duration takes a duration like "8h", not "${values.duration}"`);
  const config = configFromFlags({ config: values.config });
  const adapters = await loadAdapters(config.devices);
  const broker = values.broker ?? 'mqtt://127.0.0.1:1883';
  const clientId = values['client-id'] ?? `firstlight-sim-${randomBytes(3).toString('hex')}`;

  if (values.replay !== undefined) {
    const adapter = adapters.find((a) => a.simulate);
    const recording = parseRecording(readFileSync(values.replay, 'utf8'), adapter?.simulate, adapter?.name);
    if (recording.invalid.length > 0) process.stderr.write(`firstlight: ${recording.invalid.length} lines of ${values.replay} are not events; skipped\n`);
    const client = await connectTo(broker, clientId);
    const clock = createScaledClock({ base: systemClock, speed, start: recording.start });
    const replayer = createReplayer({ recording, clock, transport: createMqttTransport(client, warn), codec: adapter?.simulate });
    replayer.start();
    process.stdout.write(
      `replaying ${recording.messages.length} device messages from ${new Date(recording.start).toISOString()} to ${new Date(recording.end).toISOString()}` +
        ` at ${speed}x to ${broker} (Ctrl-C stops)\n`,
    );
    await untilSignal(replayer.done);
    replayer.stop();
    await client.endAsync();
    process.stdout.write(`replayed ${replayer.published} of ${recording.messages.length} messages\n`);
    return 0;
  }

  const building = await readBuilding(values.building!);
  const adapter = adapterFor(building, adapters);
  const start = resolveStart(values.start, building.timezone, Date.now());
  if (start instanceof Error) throw new FirstlightError('FL_ERR_USAGE', start.message);
  const seed = values.seed ?? '1';
  const client = await connectTo(broker, clientId, adapter.simulate!.encodeBridgeState(false, building.availability));
  const clock = createScaledClock({ base: systemClock, speed, start });
  const sim = createSimulatedBuilding({ building, adapter, clock, transport: createMqttTransport(client, warn), seed });
  client.on('message', (topic, payload) => sim.deliver(topic, payload));
  const topics = sim.commandTopics();
  if (topics.length > 0) await client.subscribeAsync(topics, { qos: 1 });
  sim.start();
  process.stdout.write(
    `simulating ${building.name}: ${sim.rooms.length} rooms, ${sim.devices.length} devices, ${sim.occupants.length} occupants (seed ${seed})\n` +
      `  from ${new Date(start).toISOString()} at ${speed}x, publishing to ${broker}; Ctrl-C stops\n`,
  );
  const finished = duration === undefined ? new Promise<void>(() => {}) : new Promise<void>((resolve) => clock.setTimeout(resolve, duration));
  await untilSignal(finished);
  sim.stop();
  await client.endAsync();
  process.stdout.write(`published ${sim.stats.published} messages; the lights obeyed ${sim.stats.commands - sim.stats.lost} of ${sim.stats.commands} commands\n`);
  return 0;
}

export async function readBuilding(file: string): Promise<Building> {
  try {
    return await loadBuilding(file);
  } catch (err) {
    if (err instanceof BuildingError) throw new FirstlightError('FL_ERR_CONFIG_INVALID', err.message, err.details);
    throw err;
  }
}

export function adapterFor(building: Building, adapters: readonly DeviceAdapter[]): DeviceAdapter & { simulate: DeviceSimulationCodec } {
  const adapter = adapters.find((a) => a.name === building.adapter);
  if (!adapter?.simulate) {
    const can = adapters.filter((a) => a.simulate).map((a) => a.name);
    throw new FirstlightError('FL_ERR_CONFIG_INVALID', `the building's adapter "${building.adapter}" cannot be simulated`, [`adapters with a simulation codec: ${can.join(', ') || 'none'}`]);
  }
  return adapter as DeviceAdapter & { simulate: DeviceSimulationCodec };
}

export function numberArg(text: string, flag: string, ok: (n: number) => boolean): number {
  const n = Number(text);
  if (!Number.isFinite(n) || !ok(n)) throw new FirstlightError('FL_ERR_USAGE', `${flag} must be a positive number, not "${text}"`);
  return n;
}

/** Connects, failing clearly if the broker is not there; afterwards mqtt.js reconnects by itself. */
async function connectTo(url: string, clientId: string, will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean }): Promise<MqttClient> {
  try {
    const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, connectTimeout: 5_000, ...(will && { will }) });
    client.options.reconnectPeriod = 2_000;
    client.on('error', warn);
    return client;
  } catch (err) {
    throw new FirstlightError('FL_ERR_USAGE', `cannot connect to the MQTT broker at ${url}: ${(err as Error).message}`, [
      'start a gateway (npm start) or a broker first, or point --broker at one',
    ]);
  }
}

function warn(error: Error): void {
  process.stderr.write(`firstlight simulate: ${error.message}\n`);
}
