// The one config schema: defaults, validation and the inferred Config type.
import { z } from 'zod';
import { durationSchema } from '../sdk/duration.ts';
import { DEFAULT_PAGE_SIZE, PAGE_SIZES } from '../log/page-size.ts';
import { brokerSchema, uplinkSchema } from './link-schema.ts';
import { TOKEN_HASH_PATTERN } from '../http/token.ts';
import { mqttLimitsSchema, mqttTlsSchema, mqttUsersSchema } from './mqtt-security-schema.ts';
import { retentionSchema } from './retention-schema.ts';

const port = z.number().int().min(0).max(65535);
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const configSchema = z.strictObject({
  /** Names this gateway in every event's source: /sites/<site>/... */
  site: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"')
    .default('home'),
  /** IANA time zone of schedules that name none (e.g. "Europe/Berlin"). Default: the system's. */
  timezone: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone (e.g. "Europe/Berlin")')
    .optional(),
  mqtt: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(1883),
      /**
       * Larger payloads are rejected (kept as input.rejected with a bounded copy). Zigbee2MQTT's
       * retained bridge/devices list is about 1.1 MB for 1,000 devices, so the default matches the
       * packet limit (2,000,000 bytes, as Mosquitto's), which is the real guard.
       */
      maxPayloadBytes: z.number().int().positive().default(2_000_000),
      /**
       * Device users; with any, every client must log in and is held to its topics. Required when
       * `host` (or `tls.host`) is not loopback.
       */
      users: mqttUsersSchema,
      /** An mqtts listener (TLS 1.2 and up) beside the plain one. */
      tls: mqttTlsSchema.optional(),
      limits: mqttLimitsSchema,
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8080),
      /**
       * scrypt hash of the bearer token HTTP clients must send (`firstlight token` makes one). Required
       * when `host` is not loopback; when set, it is required on loopback too.
       */
      tokenHash: z.string().regex(TOKEN_HASH_PATTERN, 'not a token hash: make one with "firstlight token"').optional(),
    })
    .prefault({}),
  /** Directory of the SQLite log. */
  data: z.string().min(1).default('./data'),
  rules: z
    .strictObject({
      dir: z.string().min(1).default('./rules'),
      /** Options per rule name, validated by each rule's own schema. */
      options: z.record(z.string(), z.unknown()).default({}),
      /**
       * Where rules run that do not say (`isolation` in defineRule): 'worker', a worker thread with a
       * heap limit that a runaway rule cannot take the gateway down from; or 'inline', in the
       * gateway's thread (faster per handler call, no memory containment).
       */
      isolation: z.enum(['worker', 'inline']).default('worker'),
      /** Heap limit of the rule worker, in MB: a rule past it is stopped and struck. */
      workerHeapMb: z.number().int().min(16).max(4096).default(64),
    })
    .prefault({}),
  /** Options per device adapter, validated by each adapter's own schema. */
  devices: z.record(z.string(), z.unknown()).default({}),
  storage: z
    .strictObject({
      /** FULL: commits survive power loss. NORMAL: they survive a crash of the process only. */
      synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
      /**
       * SQLite page size of a log this gateway creates (an existing log keeps its own). Each commit
       * writes every page it touched in full, so small pages mean less SD-card wear: 1024 writes
       * ~2.2x fewer bytes per event than 4096 at a building's rates (docs/raspberry-pi.md).
       */
      pageSize: z.literal(PAGE_SIZES).default(DEFAULT_PAGE_SIZE),
      /**
       * The longest committed pages wait in the WAL before they are copied into the database file
       * (off the commit path; sooner once 1,000 events are waiting). Longer: fewer bytes written at
       * low rates, a larger WAL.
       */
      checkpointInterval: durationSchema.prefault('10s'),
      /** Pruning of old events by age and size, per event type. */
      retention: retentionSchema,
      /**
       * Lower SD-card wear: QoS 0 messages may wait this long to be committed together (0: at once).
       * Never applies to QoS 1/2, whose acknowledgement waits for the commit. A reaction to a QoS 0
       * message waits as long, and a crash loses up to this much QoS 0 input.
       */
      qos0CommitInterval: durationSchema.prefault('0s'),
    })
    .prefault({}),
  commands: z
    .strictObject({
      /** A command not sent within this time (the gateway was down) is expired instead of sent late. */
      maxAge: durationSchema.prefault('1m'),
      /** How long a device has to report the commanded state before the command is retried; 0: off. */
      confirmTimeout: durationSchema.prefault('5s'),
      /** How many times an unconfirmed command is sent again before it is recorded as failed. */
      retries: z.number().int().nonnegative().default(2),
    })
    .prefault({}),
  /** An existing MQTT broker to use instead of the embedded one (external broker mode). */
  broker: brokerSchema.optional(),
  /** A central broker to forward events to and take the site's inbox from (off unless set). */
  uplink: uplinkSchema.optional(),
  log: z
    .strictObject({
      level: z.enum(logLevels).default('info'),
      /** auto: pretty on a terminal, JSON lines otherwise (for journald). */
      format: z.enum(['auto', 'pretty', 'json']).default('auto'),
    })
    .prefault({}),
});

export type Config = z.output<typeof configSchema>;
/** What a config file may contain. */
export type ConfigInput = z.input<typeof configSchema>;
