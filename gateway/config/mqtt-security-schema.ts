// Config of the embedded broker's security: device users and their topics, the TLS listener, and
// the limits checked before any work is done for a client.
import { z } from 'zod';
import { durationSchema } from '../sdk/duration.ts';
import { TOKEN_HASH_PATTERN } from '../http/token.ts';

/** A user name is also a topic level (%u) and a client id: no "/", "+", "#" or spaces. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A topic filter, where %u and %c may stand for a whole level [MQTT-4.7.1]. */
const topicFilter = z
  .string()
  .min(1)
  .refine(
    (f) => f.split('/').every((level, i, all) => (level === '#' ? i === all.length - 1 : !/[+#]/.test(level) || level === '+')),
    'a topic filter: "+" and "#" only as whole levels, "#" only last (e.g. "%u/#", "cmd/%u/+")',
  );

export const mqttUserSchema = z.strictObject({
  /** scrypt hash of the password: `firstlight passwd <user>` makes one. */
  passwordHash: z.string().regex(TOKEN_HASH_PATTERN, 'not a password hash: make one with "firstlight passwd <user>"'),
  /** Topics the user may publish to. Default: "%u/#" and "cloudevents/%u/#" (its own). */
  publish: z.array(topicFilter).optional(),
  /** Filters the user may subscribe within. Default: "%u/#" (where its commands arrive). */
  subscribe: z.array(topicFilter).optional(),
  /** May subscribe to anything, $SYS included (a dashboard, Home Assistant). */
  admin: z.boolean().optional(),
});

export const mqttUsersSchema = z
  .record(z.string().regex(USERNAME, 'a user name of letters, digits, ".", "_" and "-"'), mqttUserSchema)
  .default({});

export const mqttTlsSchema = z.strictObject({
  /** Address of the mqtts listener. Default: mqtt.host. */
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).default(8883),
  /** PEM files of the server certificate (with its chain) and its private key. */
  cert: z.string().min(1),
  key: z.string().min(1),
});

export const mqttLimitsSchema = z
  .strictObject({
    /**
     * A packet larger than this closes the connection before it is parsed. Mosquitto 2.1's default;
     * it leaves room for Zigbee2MQTT's retained device list of a large network.
     */
    maxPacketBytes: z.number().int().min(1024).max(268_435_455).default(2_000_000),
    /** Levels in a topic or filter (aedes' own ceiling is 100). */
    maxTopicLevels: z.number().int().min(1).max(100).default(16),
    /** Characters in a topic or filter. */
    maxTopicLength: z.number().int().min(1).max(65_535).default(1024),
    /** A connection that has not sent CONNECT by then is closed. */
    connectTimeout: durationSchema.prefault('10s'),
    /** Open connections, across listeners; more are closed at once. */
    maxConnections: z.number().int().positive().default(500),
    /** Messages queued for an offline persistent session before newer ones are dropped. */
    offlineQueue: z.number().int().positive().default(1000),
  })
  .prefault({});
