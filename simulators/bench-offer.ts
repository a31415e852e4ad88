// npm run bench:sim: how many messages per second the simulator can offer on one core, so that a
// load bench built on it measures the gateway, not the simulator. Two figures: the simulation alone
// (devices, occupants and the Zigbee2MQTT codec, messages counted and dropped), and the same
// simulation published with mqtt.js into a TCP sink in another process that only counts bytes.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { argv } from 'node:process';
import mqtt from 'mqtt';
import { createSteppingClock, type DeviceAdapter, type DeviceDefinition } from 'firstlight';
import { loadBuilding } from './building/load-building.ts';
import { replicateBuilding } from './building/replicate.ts';
import { createSimulatedBuilding } from './building/simulated-building.ts';
import { createMqttTransport, createRecordingTransport, type SimTransport } from './transport.ts';

const COPIES = Number(process.env.BENCH_SIM_COPIES ?? 25);
const HOURS = Number(process.env.BENCH_SIM_HOURS ?? 24);
const MONDAY = Date.UTC(2026, 0, 5);

// The sink: a child process that accepts one MQTT connection and counts what arrives.
if (argv[2] === 'sink') {
  let total = 0;
  const server = createServer((socket) => {
    let first = true;
    socket.on('data', (chunk) => {
      // CONNACK for the CONNECT, then nothing: QoS 0 publishes need no answer.
      if (first) socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      first = false;
      total += chunk.length;
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('message', () => process.send!({ total }));
} else {
  await main();
}

async function main(): Promise<void> {
  // The bench is a composition root: like the runtime, it loads the adapter from its file in devices/
  // rather than importing it, and passes it in.
  const { default: zigbee2mqtt } = (await import(new URL('../devices/zigbee2mqtt.ts', import.meta.url).href)) as { default: DeviceDefinition };
  const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
  const office = await loadBuilding(new URL('./buildings/office-floor.ts', import.meta.url).pathname);
  const building = replicateBuilding(office, COPIES);
  const rooms = Object.values(building.floors).reduce((n, f) => n + Object.keys(f.rooms).length, 0);
  console.log(`bench:sim  ${COPIES} office floors: ${rooms} rooms, ${Object.keys(building.occupants).length} occupants, ${HOURS} simulated hours, one core`);
  // Other work on the machine slows the wall-clock rate; the rate per CPU-second is what one core can do.
  console.log(`  load average ${loadavg()[0]!.toFixed(1)} on this machine while it ran`);

  const alone = createRecordingTransport(false);
  const a = await run(building, adapter, alone);
  report('simulation alone (generate + encode)', alone.count, a);

  const sink = fork(new URL(import.meta.url).pathname, ['sink'], { stdio: 'inherit' });
  const [{ port }] = (await once(sink, 'message')) as [{ port: number }];
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-sim', reconnectPeriod: 0 });
  const transport = createMqttTransport(client, (e) => console.error(e.message));
  const stream = client.stream as NodeJS.WritableStream & { writableLength?: number; bytesWritten?: number };
  const b = await run(building, adapter, transport, async () => {
    // Let the socket drain: what the sink has not received was not offered.
    while ((stream.writableLength ?? 0) > 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 1));
  });
  // Wait until the sink has every byte mqtt.js wrote.
  const written = stream.bytesWritten ?? 0;
  for (;;) {
    sink.send('total?');
    const [{ total }] = (await once(sink, 'message')) as [{ total: number }];
    if (total >= written) break;
  }
  const ms = performance.now() - b.started;
  report('through mqtt.js into a TCP sink', transport.published, { ...b, ms });
  client.end(true);
  sink.kill();
}


async function run(building: ReturnType<typeof replicateBuilding>, adapter: DeviceAdapter, transport: SimTransport, between?: () => Promise<void>) {
  const clock = createSteppingClock(MONDAY);
  const sim = createSimulatedBuilding({ building, adapter, clock, transport, seed: 1 });
  const cpu = process.cpuUsage();
  const started = performance.now();
  sim.start();
  // A simulated minute at a time, yielding to I/O in between.
  for (let t = MONDAY; t < MONDAY + HOURS * 3_600_000; t += 60_000) {
    clock.runUntil(t + 60_000);
    if (between) {
      await between();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  sim.stop();
  const used = process.cpuUsage(cpu);
  return { started, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

/** Rates per second of wall time and per second of CPU time: on a busy machine the second is what one core can do. */
function report(what: string, messages: number, r: { ms: number; cpuMs: number }): void {
  const wall = Math.round(messages / (r.ms / 1000));
  const cpu = Math.round(messages / (r.cpuMs / 1000));
  console.log(
    `  ${what.padEnd(34)} ${messages.toLocaleString('en')} messages in ${(r.ms / 1000).toFixed(2)} s: ` +
      `${wall.toLocaleString('en')} msgs/s; ${cpu.toLocaleString('en')} msgs per CPU-second (CPU ${Math.round((100 * r.cpuMs) / r.ms)}% of one core)`,
  );
}
