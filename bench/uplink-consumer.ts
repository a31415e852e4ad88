// The central consumer of the uplink bench, in its own process as it would be in a fleet: an MQTT 5
// client with a persistent session on sites/+/events/# that prints how many events it has received,
// every 100 ms. It reconnects by itself when the broker comes back.
import { connectAsync } from 'mqtt';

const client = await connectAsync(process.argv[2]!, {
  protocolVersion: 5,
  clientId: 'bench-central',
  clean: false,
  properties: { sessionExpiryInterval: 3600 },
  reconnectPeriod: 100,
});
client.on('error', () => {});
let received = 0;
client.on('message', () => void received++);
await client.subscribeAsync('sites/+/events/#', { qos: 1 });
process.stdout.write('ready\n');
setInterval(() => process.stdout.write(`${received}\n`), 100);
process.on('SIGTERM', () => {
  process.stdout.write(`${received}\n`);
  process.exit(0);
});
