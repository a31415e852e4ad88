// The link to another broker: reconnect timing on the injected clock (backoff with jitter, reset on
// success), a persistent session, and the fall back from MQTT 5 to 3.1.1.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Aedes } from 'aedes';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { SimulatedClock, systemClock } from '../../gateway/clock.ts';
import { resolveLink } from '../../gateway/broker/link-options.ts';
import { startReconnectingClient, type ConnectionInfo, type ReconnectingClient } from '../../gateway/broker/reconnecting-client.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';

const silent = { info() {}, warn() {}, error() {} };
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function link(url: string, clientId = 'link-test') {
  return resolveLink({ url, keepalive: 30_000, rejectUnauthorized: true, reconnect: { min: 1000, max: 8000 } }, clientId);
}

/** Each connection, as it comes. */
function connections() {
  const seen: ConnectionInfo[] = [];
  const waiters: Array<() => void> = [];
  return {
    seen,
    onConnect(_: unknown, info: ConnectionInfo) {
      seen.push(info);
      waiters.splice(0).forEach((w) => w());
    },
    /** Resolves once `count` connections were made. */
    next(count: number): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => void (seen.length >= count ? resolve() : waiters.push(check));
        check();
      });
    },
  };
}

describe('reconnecting client', () => {
  it('reconnects only when the backoff delay has passed on the clock, and starts over after a success', async () => {
    const broker = await startMosquitto();
    cleanup.push(() => broker.remove());
    const clock = new SimulatedClock();
    const conns = connections();
    let drops = 0;
    const rc: ReconnectingClient = startReconnectingClient({
      name: 'test', link: link(broker.url), protocol: 4, clock, log: silent, random: () => 0.5,
      onConnect: conns.onConnect, onDisconnect: () => void drops++,
    });
    cleanup.push(() => rc.close());
    await conns.next(1);
    expect(rc.stats.attempts).toBe(1);

    await broker.stop('SIGKILL');
    // Delays at half of each ceiling (random 0.5): 500, 1000, 2000 ms.
    await vi.waitFor(() => expect(clock.nextDue()).toBe(clock.now() + 500));
    expect(drops).toBe(1);
    await clock.advance(499);
    expect(rc.stats.attempts).toBe(1);
    await clock.advance(1);
    expect(rc.stats.attempts).toBe(2);
    await vi.waitFor(() => expect(clock.nextDue()).toBe(clock.now() + 1000));
    await clock.advance(1000);
    expect(rc.stats.attempts).toBe(3);
    await vi.waitFor(() => expect(clock.nextDue()).toBe(clock.now() + 2000));

    await broker.restart();
    await clock.advance(2000);
    await conns.next(2);
    expect(rc.stats).toMatchObject({ attempts: 4, connects: 2, connected: true });

    // Backoff was reset by the success: the next drop is retried after the first delay again.
    await broker.stop('SIGKILL');
    await vi.waitFor(() => expect(clock.nextDue()).toBe(clock.now() + 500));
  });

  it('holds a persistent session: a stable client id with clean session off', async () => {
    const broker = await startMosquitto();
    cleanup.push(() => broker.remove());
    const conns = connections();
    const first = startReconnectingClient({
      name: 'test', link: link(broker.url, 'stable-id'), protocol: 5, clock: systemClock, log: silent,
      onConnect: (client, info) => {
        conns.onConnect(client, info);
        if (conns.seen.length === 1) client.subscribe('x/#', { qos: 1 });
      },
    });
    await conns.next(1);
    await first.close();
    // MQTT 5 needs a session expiry interval, or the session ends with the connection.
    const second = startReconnectingClient({ name: 'test', link: link(broker.url, 'stable-id'), protocol: 5, clock: systemClock, log: silent, onConnect: conns.onConnect });
    cleanup.push(() => second.close());
    await conns.next(2);
    expect(conns.seen).toEqual([{ sessionPresent: false, protocolVersion: 5 }, { sessionPresent: true, protocolVersion: 5 }]);
  });

  it('falls back to MQTT 3.1.1 when the broker does not speak MQTT 5', async () => {
    // aedes speaks 3.1.1 only, and refuses a version 5 CONNECT with return code 1 [MQTT-3.1.2-2].
    const aedes = await Aedes.createBroker();
    const server = createServer(aedes.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => aedes.close(() => resolve()))));
    const conns = connections();
    const rc = startReconnectingClient({
      name: 'test', link: link(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`), protocol: 'auto', clock: systemClock, log: silent,
      onConnect: conns.onConnect,
    });
    cleanup.push(() => rc.close());
    await conns.next(1);
    expect(conns.seen[0]!.protocolVersion).toBe(4);
    expect(rc.stats.attempts).toBe(2);
  });
});
