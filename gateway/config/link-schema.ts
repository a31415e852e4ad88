// Config of the gateway's MQTT links to other brokers: an existing broker for devices (external mode)
// and an upstream broker for the fleet (uplink and downlink).
import { z } from 'zod';
import { durationSchema } from '../sdk/duration.ts';

const brokerUrl = z
  .string()
  .regex(/^mqtts?:\/\/[^/]+/, 'an mqtt:// or mqtts:// URL, e.g. mqtt://localhost:1883 (credentials may go in it: mqtt://user:pass@host)');

/** What every link to another broker has: where, who, TLS, liveness and reconnect backoff. */
const linkFields = {
  url: brokerUrl,
  username: z.string().min(1).optional(),
  /** Prefer FIRSTLIGHT_BROKER_PASSWORD / FIRSTLIGHT_UPLINK_PASSWORD to a password in a file. */
  password: z.string().optional(),
  /**
   * A stable client id is what makes the session persistent across restarts [MQTT-3.1.2-4].
   * Default: firstlight-<site> (broker) and firstlight-<site>-uplink (uplink).
   */
  clientId: z.string().min(1).max(128).optional(),
  /** PINGREQ interval; a dead (half-open) link is noticed within about 1.5 times this. */
  keepalive: durationSchema.prefault('30s'),
  /** PEM file of the CA that signed the broker's certificate (mqtts:// with a private CA). */
  caFile: z.string().min(1).optional(),
  /** Check the broker's certificate (mqtts://). Turn off only for a test broker. */
  rejectUnauthorized: z.boolean().default(true),
  /** Reconnect backoff: exponential from `min` to `max`, with full jitter. */
  reconnect: z
    .strictObject({ min: durationSchema.prefault('1s'), max: durationSchema.prefault('60s') })
    .prefault({}),
};

/** External broker mode: use an existing broker (e.g. Zigbee2MQTT's Mosquitto) instead of the embedded one. */
export const brokerSchema = z.strictObject({
  ...linkFields,
  /** A command not taken by the broker within this time is recorded as command.failed. */
  publishTimeout: durationSchema.prefault('30s'),
});

/** The uplink forwards selected events to a central broker; the downlink takes the site's inbox from it. */
export const uplinkSchema = z.strictObject({
  ...linkFields,
  /**
   * Event types that leave the building: exact ("room.entered"), a prefix ("sensor.*") or "*".
   * Empty (the default) forwards nothing: presence is personal data, so it is opt-in.
   */
  types: z.array(z.string().regex(/^(\*|[A-Za-z0-9._-]+(\.\*)?)$/, 'an event type, a prefix such as "sensor.*", or "*"')).default([]),
  /** Topic of each forwarded event; {site}, {type}, {key} (partitionkey) and {subject} are filled in. */
  topic: z.string().min(1).refine((t) => !/[#+]/.test(t), 'a topic without wildcards').default('sites/{site}/events/{type}'),
  /** auto: binary mode (MQTT 5 user properties) if the upstream speaks MQTT 5, structured otherwise. */
  contentMode: z.enum(['auto', 'binary', 'structured']).default('auto'),
  /** MQTT protocol to the upstream; auto tries 5 and falls back to 3.1.1. */
  protocol: z.enum(['auto', '5', '3.1.1']).default('auto'),
  /** Events published and not yet acknowledged upstream, at most. Bounds memory and duplicates after a crash. */
  window: z.number().int().min(1).max(10_000).default(100),
  /** A publish not acknowledged within this time counts as a dead link: reconnect and resend. */
  publishTimeout: durationSchema.prefault('10s'),
  /** Where a new uplink starts: the end of the log (like a new rule) or its start. */
  from: z.enum(['end', 'start']).default('end'),
  inbox: z
    .strictObject({
      /** Subscribe to the site's inbox upstream and append the CloudEvents that arrive to the local log. */
      enabled: z.boolean().default(true),
      topic: z.string().regex(/^[^#+]*\/#$/, 'a topic filter ending in "/#", without other wildcards').default('sites/{site}/inbox/#'),
    })
    .prefault({}),
});

export type BrokerConfig = z.output<typeof brokerSchema>;
export type UplinkConfig = z.output<typeof uplinkSchema>;
