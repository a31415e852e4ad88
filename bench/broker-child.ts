// What the bench's broker children share (plain aedes, the durable floor): aedes on 127.0.0.1, port 0,
// with TCP_NODELAY; a JSON start line with its URL; a clean exit on SIGTERM or SIGINT.
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';

/**
 * Starts the broker and prints `{ msg, mqtt, ...details }` once it listens. On a signal it closes the
 * listener and the broker, runs `onStop` (the child's own cleanup), and exits 0.
 */
export async function serveBroker(msg: string, details: Record<string, unknown> = {}, onStop: () => Promise<void> | void = () => {}): Promise<Aedes> {
  const broker = await Aedes.createBroker();
  const server = createServer({ noDelay: true }, broker.handle);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ msg, mqtt: `mqtt://127.0.0.1:${port}`, ...details })}\n`);
  });
  const stop = (): void => {
    server.close();
    broker.close(() => {
      void Promise.resolve(onStop()).then(() => process.exit(0));
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return broker;
}
