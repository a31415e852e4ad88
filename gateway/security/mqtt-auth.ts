// The embedded broker's gatekeeper, as aedes hooks: who may connect (passwords, the client id bound
// to the user name, slowed-down guessing), what each may publish and subscribe to (ACL), and which
// topics are well-formed enough to take at all.
import type { AedesOptions, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import type { Clock } from '../clock.ts';
import { compileAcl, DEFAULT_DEVICE_POLICY, isCommandTopic, type Acl, type AclPolicy } from './acl.ts';
import { createAuthFailures, type AuthFailures } from './auth-failures.ts';
import { createPasswordChecker } from './passwords.ts';

export interface MqttUser {
  passwordHash: string;
  publish?: readonly string[] | undefined;
  subscribe?: readonly string[] | undefined;
  admin?: boolean | undefined;
}

export interface MqttAuthOptions {
  /** Users by name; none means anyone may connect (the default, on loopback only). */
  users: Readonly<Record<string, MqttUser>>;
  maxTopicLength: number;
  clock: Clock;
  /** Told about refused connections and publishes (the caller rate-limits the log). */
  onRefused?(what: string, details: Record<string, unknown>): void;
  failures?: AuthFailures;
}

/** An error aedes turns into a CONNACK return code [MQTT-3.2.2-5]; typed as aedes' own. */
type ConnackError = Parameters<Parameters<NonNullable<AedesOptions['authenticate']>>[3]>[0] & {};

const connackError = (returnCode: 4 | 5, message: string): ConnackError => Object.assign(new Error(message), { returnCode }) as ConnackError;

// [MQTT-1.5.3-1] ill-formed UTF-8 (decoded to U+FFFD), [MQTT-1.5.3-2] U+0000, and the control
// characters and non-characters the spec says a string SHOULD NOT hold [MQTT-1.5.3-3].
const BAD_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\uFFFD\uFFFE\uFFFF]/;

export interface MqttAuth {
  readonly enabled: boolean;
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void;
  authenticate(client: Client, username: Readonly<string> | undefined, password: Readonly<Buffer> | undefined, callback: (error: ConnackError | null, success: boolean | null) => void): void;
  /** Why this publish is refused, or undefined when it may go on. */
  checkPublish(client: Client, packet: PublishPacket): string | undefined;
  authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void;
}

export function createMqttAuth(options: MqttAuthOptions): MqttAuth {
  const users = new Map(Object.entries(options.users));
  const enabled = users.size > 0;
  const checker = createPasswordChecker(new Map([...users].map(([name, u]) => [name, u.passwordHash])));
  const failures = options.failures ?? createAuthFailures({ clock: options.clock });
  // Filled in at CONNECT; a WeakMap so a closed client's entry goes with it.
  const acls = new WeakMap<Client, Acl>();
  const refused = (what: string, details: Record<string, unknown>): void => options.onRefused?.(what, details);
  const address = (client: Client): string => (client.conn as { remoteAddress?: string }).remoteAddress ?? 'unknown';

  function badTopic(topic: string): string | undefined {
    if (topic.length > options.maxTopicLength) return `topic longer than ${options.maxTopicLength} characters`;
    if (BAD_CHARACTERS.test(topic)) return 'topic is not well-formed UTF-8 or holds control characters [MQTT-1.5.3-1]';
    return undefined;
  }

  /** The user a client id belongs to: "name" and "name/anything" belong to user "name". */
  function owner(clientId: string): string | undefined {
    if (users.has(clientId)) return clientId;
    const slash = clientId.indexOf('/');
    return slash > 0 && users.has(clientId.slice(0, slash)) ? clientId.slice(0, slash) : undefined;
  }

  return {
    enabled,
    preConnect(client, packet, callback) {
      const strings = [packet.clientId, packet.username ?? '', packet.will?.topic ?? ''];
      if (strings.some((s) => BAD_CHARACTERS.test(s))) {
        refused('connect refused', { address: address(client), reason: 'malformed UTF-8 or control characters in the client id, user name or will topic' });
        return callback(new Error('malformed string in CONNECT [MQTT-1.5.3-1]'), false);
      }
      // mqtt-packet lets these through; the spec makes each a protocol violation that closes the connection.
      if (packet.password !== undefined && packet.username === undefined) {
        return callback(new Error('a password without a user name [MQTT-3.1.2-22]'), false);
      }
      const will = packet.will;
      if (will && (will.topic === '' || /[+#]/.test(will.topic) || will.topic.length > options.maxTopicLength)) {
        return callback(new Error('will topic must be a topic name without wildcards [MQTT-3.3.2-2]'), false);
      }
      if (will && (will.qos as number) > 2) return callback(new Error('will QoS 3 [MQTT-3.1.2-14]'), false);
      const delay = enabled ? failures.delayFor(address(client)) : 0;
      if (delay === 0) return callback(null, true);
      // An address that keeps guessing waits before its CONNECT is even looked at.
      options.clock.setTimeout(() => callback(null, true), delay);
    },
    authenticate(client, username, password, callback) {
      if (!enabled) return callback(null, true);
      const from = address(client);
      const user = username === undefined ? undefined : users.get(username);
      void checker.verify(username ?? '', password as Buffer | undefined).then(
        (ok) => {
          if (!ok || !user || username === undefined) {
            failures.failed(from);
            // Anonymous: "not authorized" (5), as Mosquitto answers with allow_anonymous false.
            const anonymous = username === undefined;
            refused('connect refused', { address: from, username, reason: anonymous ? 'anonymous clients are not allowed' : 'bad user name or password', failures: failures.count(from) });
            return callback(anonymous ? connackError(5, 'not authorized: log in with a user name and password') : connackError(4, 'bad user name or password'), null);
          }
          // The client id is bound to the user name, so one device cannot evict another
          // [MQTT-3.1.4-2]: an id of another user is refused; any other id becomes the user name
          // (Mosquitto's use_username_as_clientid), unless it is "<user>/<anything>".
          const claimed = owner(client.id);
          if (claimed !== undefined && claimed !== username) {
            failures.failed(from);
            refused('connect refused', { address: from, username, reason: `client id "${client.id}" belongs to user "${claimed}"` });
            return callback(connackError(5, 'client id belongs to another user'), null);
          }
          if (claimed === undefined) (client as { id: string }).id = username;
          failures.succeeded(from);
          const policy: AclPolicy = {
            publish: user.publish ?? DEFAULT_DEVICE_POLICY.publish,
            subscribe: user.subscribe ?? DEFAULT_DEVICE_POLICY.subscribe,
            admin: user.admin,
          };
          acls.set(client, compileAcl(policy, username, client.id));
          callback(null, true);
        },
        (err: unknown) => callback(Object.assign(err as Error, { returnCode: 3 }) as ConnackError, null),
      );
    },
    checkPublish(client, packet) {
      const bad = badTopic(packet.topic);
      if (bad) return bad;
      // A retained command would be replayed to the device at every reconnect, long after it was meant.
      if (packet.retain && isCommandTopic(packet.topic)) return 'retained messages on command topics are refused';
      if (!enabled) return undefined;
      const acl = acls.get(client);
      if (!acl?.canPublish(packet.topic)) return `user may not publish to ${packet.topic}`;
      return undefined;
    },
    authorizeSubscribe(client, subscription, callback) {
      const bad = badTopic(subscription.topic);
      const acl = acls.get(client);
      if (bad || (enabled && !acl?.canSubscribe(subscription.topic))) {
        refused('subscription refused', { clientId: client.id, topic: subscription.topic, reason: bad ?? 'not allowed by the ACL' });
        // null: SUBACK 0x80 for this filter, the connection stays [MQTT-3.9.3].
        return callback(null, null);
      }
      callback(null, subscription);
    },
  };
}
