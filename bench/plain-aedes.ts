// The ceiling: plain aedes in its own process with TCP_NODELAY (publish -> subscriber; no rules, no log).
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';

const broker = await Aedes.createBroker();
const server = createServer({ noDelay: true }, broker.handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'plain aedes started', mqtt: `mqtt://127.0.0.1:${port}` })}\n`);
});
const stop = (): void => {
  server.close();
  broker.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
