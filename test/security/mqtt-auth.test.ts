// Device logins and topic access on the real embedded broker over TCP: passwords, a client id bound
// to its user, deny-by-default topics, $SYS for admins only, no retained commands, slowed guessing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { SimulatedClock } from '../../gateway/clock.ts';
import type { EmbeddedBroker } from '../../gateway/broker/embedded-broker.ts';
import { startAcceptingBroker } from '../helpers/accepting-broker.ts';
import { createPasswordChecker, hashPassword } from '../../gateway/security/passwords.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';
import { turns } from '../helpers/in-process.ts';

let broker: EmbeddedBroker;
const clock = new SimulatedClock();
let accepted: InboundMessage[] = [];
const refusals: Array<{ what: string; reason: unknown }> = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  const [a, b, ops] = await Promise.all([hashPassword('pw-a'), hashPassword('pw-b'), hashPassword('pw-ops')]);
  ({ broker, accepted } = await startAcceptingBroker({
    users: { 'dev-a': { passwordHash: a }, 'dev-b': { passwordHash: b }, ops: { passwordHash: ops, admin: true, publish: ['ops/#'] } },
    clock,
    onRefused: (what, details) => refusals.push({ what, reason: details.reason }),
  }));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker.close();
});

const url = (): string => `mqtt://127.0.0.1:${broker.port}`;
async function login(username: string | undefined, password: string | undefined, extra: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url(), { username, password, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
  clients.push(client);
  client.on('error', () => {});
  return client;
}
const refusedCode = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'connected', (err: { code?: number }) => err.code);
/** The SUBACK return codes (mqtt.js rejects a subscribe with any 0x80, so read the packet itself). */
function suback(c: MqttClient, filters: string[]): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: { cmd: string; granted?: Array<number | { qos: number }> }): void => {
      if (p.cmd !== 'suback') return;
      c.off('packetreceive', onPacket as never);
      resolve(p.granted!.map((g) => (typeof g === 'number' ? g : g.qos)));
    };
    c.on('packetreceive', onPacket as never);
    c.subscribe(filters, () => {});
  });
}
const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.disconnected ? resolve() : c.once('close', () => resolve())));

describe('device logins', () => {
  it('refuses a wrong password (CONNACK 4) and an anonymous client (CONNACK 5)', async () => {
    expect(await refusedCode(login('dev-a', 'wrong'))).toBe(4);
    expect(await refusedCode(login('nobody', 'pw-a'))).toBe(4);
    expect(await refusedCode(login(undefined, undefined))).toBe(5);
  });

  it('binds the client id to the user: another user cannot take it, so cannot evict its device [MQTT-3.1.4-2]', async () => {
    const a = await login('dev-a', 'pw-a', { clientId: 'dev-a' });
    expect(await refusedCode(login('dev-b', 'pw-b', { clientId: 'dev-a' }))).toBe(5);
    expect(await refusedCode(login('dev-b', 'pw-b', { clientId: 'dev-a/second' }))).toBe(5);
    // dev-a is still connected and can publish.
    await a.publishAsync('dev-a/temperature', '21', { qos: 1 });
    expect(a.connected).toBe(true);
    // Any other id is replaced by the user name (like Mosquitto's use_username_as_clientid)...
    const b = await login('dev-b', 'pw-b', { clientId: 'mqttjs_1234' });
    await b.publishAsync('dev-b/x', '1', { qos: 1 });
    expect(accepted.at(-1)).toMatchObject({ topic: 'dev-b/x', clientId: 'dev-b' });
    // ... and "<user>/<anything>" lets one user keep several connections.
    const b2 = await login('dev-b', 'pw-b', { clientId: 'dev-b/tool' });
    await b2.publishAsync('dev-b/y', '1', { qos: 1 });
    expect(accepted.at(-1)).toMatchObject({ topic: 'dev-b/y', clientId: 'dev-b/tool' });
    expect(b.connected).toBe(true);
  });

  it('checks passwords on the libuv thread pool, not on the event loop', async () => {
    const checker = createPasswordChecker(new Map([['u', await hashPassword('p')]]));
    let settled = false;
    const verified = checker.verify('u', Buffer.from('p')).then((ok) => (settled = ok));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(await verified).toBe(true);
  });
});

describe('topic access, deny by default', () => {
  it('lets a device publish in its own namespace only; a forbidden publish closes its connection [MQTT-3.3.5-2]', async () => {
    const a = await login('dev-a', 'pw-a');
    await a.publishAsync('cloudevents/dev-a/e', '{}', { qos: 1 });
    expect(accepted.at(-1)?.topic).toBe('cloudevents/dev-a/e');
    const before = accepted.length;
    a.publish('dev-b/temperature', '99', { qos: 1 });
    await closed(a);
    expect(accepted.length).toBe(before);
    expect(refusals.at(-1)).toEqual({ what: 'publish refused', reason: 'user may not publish to dev-b/temperature' });
  });

  it('grants subscriptions within the own namespace and answers others with 0x80', async () => {
    const a = await login('dev-a', 'pw-a');
    expect(await suback(a, ['dev-a/+/set', '#', 'dev-b/#', '$SYS/#', '+/+/set'])).toEqual([0, 128, 128, 128, 128]);
    expect(a.connected).toBe(true);
  });

  it('gives $SYS to admins only', async () => {
    const ops = await login('ops', 'pw-ops');
    expect(await suback(ops, ['$SYS/#', '#'])).toEqual([0, 0]);
    ops.publish('$SYS/broker/x', 'forged', { qos: 1 });
    await closed(ops);
  });

  it('refuses a retained message on a command topic, even in the sender own namespace', async () => {
    const a = await login('dev-a', 'pw-a');
    const before = accepted.length;
    a.publish('dev-a/lock/set', '{"state":"UNLOCK"}', { qos: 1, retain: true });
    await closed(a);
    expect(accepted.length).toBe(before);
    expect(refusals.at(-1)?.reason).toBe('retained messages on command topics are refused');
  });
});

describe('password guessing', () => {
  it('slows an address down after five failures, and a right password still gets in after the wait', async () => {
    // The earlier tests failed from this address too: start from a clean slate.
    await login('dev-a', 'pw-a');
    for (let i = 0; i < 5; i++) expect(await refusedCode(login('dev-a', `guess-${i}`))).toBe(4);
    expect(clock.nextDue()).toBeUndefined();
    let outcome: unknown;
    const sixth = refusedCode(login('dev-a', 'pw-a')).then((r) => (outcome = r));
    // The CONNECT waits on the (simulated) clock before it is even looked at.
    for (let i = 0; i < 50 && clock.nextDue() === undefined; i++) await turns(1);
    expect(clock.nextDue()).toBe(clock.now() + 500);
    await turns(5);
    expect(outcome).toBeUndefined();
    await clock.advance(500);
    await sixth;
    expect(outcome).toBe('connected');
  });
});
