// `firstlight demo` (npm run demo): the gateway with its embedded broker and a simulated home in one
// process, sharing one clock that runs faster than real time, so a newcomer without a single sensor
// sees lights follow people within seconds. Ctrl-C stops both cleanly.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { systemClock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import { FirstlightError } from '../errors.ts';
import type { LoggedEvent } from '../events/event.ts';
import { limitHeapGrowth } from '../ops/heap-growth.ts';
import { startGateway, type Gateway } from '../gateway.ts';
import { loadAdapters } from '../ingest/load-adapters.ts';
import { createLogger } from '../logger.ts';
import { createSimulatedBuilding } from '../../simulators/building/simulated-building.ts';
import { createScaledClock } from '../../simulators/scaled-clock.ts';
import { resolveStart } from '../../simulators/start-time.ts';
import { createMqttTransport } from '../../simulators/transport.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';
import { adapterFor, numberArg, readBuilding } from './simulate-command.ts';
import { untilSignal } from './until-signal.ts';
import { packagePath } from '../package-root.ts';

const HOME = packagePath('simulators/buildings/home.yaml');
const DEMO_DATA = './demo-data';
/** Marks a directory as the demo's own, so the demo only ever clears a log it wrote itself. */
const MARKER = '.firstlight-demo';

const HELP = `Usage: firstlight demo [options]

Starts the gateway (embedded MQTT broker, log, rules) and a simulated home in this one process. Both
run on one clock, faster than real time, so the rules' delays keep their meaning. Ctrl-C stops.

Options:
  -b, --building <file>   building to simulate (default: the shipped home, 6 rooms, 2 people)
      --speed <n>         simulated time runs n times faster (default 60: an hour a minute)
      --start <time>      simulated start, "HH:MM" today or RFC 3339 (default 07:00: the house wakes up)
      --seed <n>          the same seed gives the same day (default 1)
${configFlagsHelp}  The demo keeps its own log (default ${DEMO_DATA}), started afresh each time, never your gateway's.
`;

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...configFlags, building: { type: 'string', short: 'b' }, speed: { type: 'string' }, start: { type: 'string' }, seed: { type: 'string' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const speed = numberArg(values.speed ?? '60', '--speed', (n) => n > 0);
  const building = await readBuilding(values.building ?? HOME);
  const start = resolveStart(values.start ?? '07:00', building.timezone, Date.now());
  if (start instanceof Error) throw new FirstlightError('FL_ERR_USAGE', start.message);
  const data = values.data ?? process.env.FIRSTLIGHT_DATA ?? DEMO_DATA;
  freshDemoLog(data);
  const loaded = configFromFlags({ ...values, data });
  // Checkpoints are timed by the shared clock: keep them as far apart in real time as usual.
  const config: Config = { ...loaded, storage: { ...loaded.storage, checkpointInterval: loaded.storage.checkpointInterval * speed } };
  const logger = createLogger(config.log);
  limitHeapGrowth();
  const clock = createScaledClock({ base: systemClock, speed, start });
  const explicitPorts = [values['mqtt-port'], values['http-port'], process.env.FIRSTLIGHT_MQTT_PORT, process.env.FIRSTLIGHT_HTTP_PORT].some((p) => p !== undefined);

  let gateway: Gateway;
  try {
    gateway = await startGateway({ config, logger, clock });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || explicitPorts) throw err;
    // Another broker (a Mosquitto?) has the usual port: a demo can take any free one.
    process.stdout.write(`(port ${config.mqtt.port} or ${config.http.port} is taken; the demo picks free ports)\n`);
    gateway = await startGateway({ config: { ...config, mqtt: { ...config.mqtt, port: 0 }, http: { ...config.http, port: 0 } }, logger, clock });
  }

  const adapter = adapterFor(building, await loadAdapters(config.devices));
  const mqttUrl = brokerUrl(gateway);
  const client = await mqtt.connectAsync(mqttUrl, { clientId: 'firstlight-demo-home', reconnectPeriod: 0 });
  const sim = createSimulatedBuilding({
    building,
    adapter,
    clock,
    transport: createMqttTransport(client, (e) => process.stderr.write(`demo: ${e.message}\n`)),
    seed: values.seed ?? '1',
  });
  client.on('message', (topic, payload) => sim.deliver(topic, payload));
  await client.subscribeAsync(sim.commandTopics(), { qos: 1 });
  const stopTelling = gateway.core.committer.onCommitted((batch) => {
    for (const e of batch) {
      const line = describe(e);
      if (line) process.stdout.write(line + '\n');
    }
  });
  sim.start();

  const http = (gateway as { http?: { url?: string } }).http?.url;
  const dataArg = resolve(config.data) === resolve(DEMO_DATA) ? '' : ` --data ${config.data}`;
  process.stdout.write(
    [
      '',
      `firstlight demo: a simulated ${building.name} (${sim.rooms.length} rooms, ${sim.devices.length} devices, ${sim.occupants.length} people)`,
      `  simulated time starts ${new Date(start).toISOString().slice(11, 16)} and runs ${speed}x (one minute is ${formatSpan(60_000 * speed)})`,
      `  MQTT broker  ${mqttUrl}   (e.g. mosquitto_sub -L ${mqttUrl}/zigbee2mqtt/# -v)`,
      `  the log      npx firstlight events --follow${dataArg}`,
      ...(http ? [`  dashboard    ${http}`] : []),
      '  Ctrl-C stops.',
      '',
    ].join('\n') + '\n',
  );

  await untilSignal(new Promise<void>(() => {}));
  sim.stop();
  stopTelling();
  await client.endAsync();
  await gateway.stop();
  process.stdout.write(`demo stopped; its log is in ${config.data}\n`);
  logger.flush();
  return 0;
}

/** Starts the demo's log afresh (its clock starts over), refusing to touch a directory that is not the demo's. */
function freshDemoLog(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MARKER))) {
    throw new FirstlightError('FL_ERR_USAGE', `${dir} holds files that the demo did not write`, [
      'the demo starts its log afresh each time; give it a directory of its own with --data',
    ]);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'This log was written by "firstlight demo", which clears it on its next start.\n');
}

function brokerUrl(gateway: Gateway): string {
  const b = gateway.broker as { url?: string; host?: string; port?: number };
  const url = new URL(b.url ?? `mqtt://${b.host}:${b.port}`);
  // A broker listening on every interface is reached through loopback from here.
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  return url.toString().replace(/\/$/, '');
}

/** One line for what a newcomer wants to see happen: rooms entered and left, lights switched. */
function describe(e: LoggedEvent): string | undefined {
  const at = e.time.slice(11, 19);
  const data = e.data as Record<string, unknown>;
  switch (e.type) {
    case 'room.entered':
      return `${at}  ${String(data.room).padEnd(10)} someone came in`;
    case 'room.vacated':
      return `${at}  ${String(data.room).padEnd(10)} empty for ${formatSpan(Number(data.vacantForMs))}`;
    case 'command.light':
      return `${at}  ${String(e.partitionkey ?? '').padEnd(10)} ${String(data.device)} -> ${String(data.state)}`;
    default:
      return undefined;
  }
}

function formatSpan(ms: number): string {
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 1000).toFixed(1)} s`;
}
