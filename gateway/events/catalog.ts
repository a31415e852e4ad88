// The one typed event map: every event type firstlight produces, its zod schema and so its data type.
import { z } from 'zod';

const deviceName = z.string().min(1);

/**
 * Event type -> schema of its `data`. Rule handlers get the inferred data type of the event type
 * they subscribe to. Types outside this map (native CloudEvents from other producers) carry
 * `unknown` data.
 */
export const eventCatalog = {
  /** A motion or presence sensor reported whether it sees someone. */
  'sensor.occupancy': z.object({ device: deviceName, occupied: z.boolean() }),
  /** A door or window contact reported open or closed. */
  'sensor.contact': z.object({ device: deviceName, open: z.boolean() }),
  // Physical bounds, not comfort ones: a reading outside them is a broken sensor or forged input,
  // kept as input.rejected (bad_value) instead of reaching a rule.
  'sensor.temperature': z.object({ device: deviceName, celsius: z.number().finite().min(-273.15).max(1000) }),
  'sensor.humidity': z.object({ device: deviceName, percent: z.number().finite().min(0).max(100) }),
  'sensor.illuminance': z.object({ device: deviceName, lux: z.number().finite().nonnegative().max(1_000_000) }),
  /** Battery level, recorded when it changes. */
  'device.battery': z.object({ device: deviceName, percent: z.number().finite().min(0).max(100) }),
  /** The device (or its bridge) went online or offline. */
  'device.availability': z.object({ device: deviceName, online: z.boolean() }),
  /** A device became known, or what is known about it changed (room, kind, model). */
  'device.discovered': z.object({
    device: deviceName,
    adapter: z.string(),
    room: z.string().optional(),
    kinds: z.array(z.string()),
    model: z.string().optional(),
    vendor: z.string().optional(),
    address: z.string().optional(),
  }),
  /** A button or remote was pressed. */
  'button.action': z.object({ device: deviceName, action: z.string().min(1) }),
  /** A light reported its state. */
  'light.state': z.object({
    device: deviceName,
    on: z.boolean(),
    brightness: z.number().finite().optional(),
    colorTemp: z.number().finite().optional(),
  }),
  /** A switch or plug reported its state. */
  'switch.state': z.object({ device: deviceName, on: z.boolean() }),
  /** Something needs a person's attention (a door left open, a sensor gone silent). */
  'alert.raised': z.object({ alert: z.string().min(1), message: z.string(), device: z.string().optional(), room: z.string().optional() }),
  /** Someone entered a room that was vacant. */
  'room.entered': z.object({ room: z.string().min(1) }),
  /** A room has had no presence for its vacancy delay. */
  'room.vacated': z.object({ room: z.string().min(1), vacantForMs: z.number().int().nonnegative() }),
  /** A command for a light, recorded before it is sent through the device's adapter. */
  'command.light': z.object({
    device: deviceName,
    state: z.enum(['ON', 'OFF', 'TOGGLE']),
    brightness: z.number().int().min(0).max(255).optional(),
    transition: z.number().nonnegative().optional(),
    /** 0 for the first attempt; retries of an unconfirmed command count up. */
    attempt: z.number().int().nonnegative().optional(),
  }),
  /** The device reported the state a command asked for. */
  'command.confirmed': z.object({ commandId: z.string(), device: deviceName, latencyMs: z.number().nonnegative() }),
  /** A command was not sent because it was older than the configured maximum age when it was due. */
  'command.expired': z.object({ commandId: z.string(), device: deviceName, ageMs: z.number() }),
  /** A command could not be sent (unknown device, or its adapter cannot encode it). */
  'command.failed': z.object({ commandId: z.string(), device: deviceName, error: z.string() }),
  /** A persisted timer fell due; delivered only to the rule that set it. */
  'timer.fired': z.object({
    rule: z.string(),
    name: z.string(),
    key: z.string(),
    dueAt: z.string(),
    lateMs: z.number().int().nonnegative(),
    data: z.unknown().optional(),
  }),
  /** A rule threw (or emitted invalid output) while handling an event; its outputs were dropped. */
  'rule.failed': z.object({
    rule: z.string(),
    version: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    error: z.string(),
  }),
  /** A trigger's timer fell due while the gateway was down, and the trigger's policy is to skip. */
  'trigger.skipped': z.object({ rule: z.string(), trigger: z.string(), key: z.string(), lateMs: z.number().nonnegative() }),
  /** A rule (or a new version of it) started running. */
  'rule.activated': z.object({ rule: z.string(), version: z.string(), previousVersion: z.string().optional(), file: z.string().optional() }),
  /** A rule stopped running (its file was removed). */
  'rule.deactivated': z.object({ rule: z.string(), version: z.string() }),
  /** A rule file was refused (it did not load or type-check); the previous version keeps running. */
  'rule.rejected': z.object({ file: z.string(), error: z.string(), rule: z.string().optional() }),
  /**
   * A broker lost the gateway's persistent session (it restarted without persistence, or the
   * session expired): messages published between `from` and `until` may be missing from the log.
   */
  'broker.gap': z.object({
    /** scheme://host:port of the broker, without credentials. */
    broker: z.string(),
    clientId: z.string(),
    /** RFC 3339: when the session was last known to be live. */
    from: z.string(),
    /** RFC 3339: when the subscriptions were renewed. */
    until: z.string(),
    reason: z.enum(['session-lost']),
  }),
  /**
   * The log's file was corrupt at start: it was moved aside (kept for a person to look at) and this
   * fresh log started. Events in the old file are not in this one.
   */
  'storage.corrupt': z.object({ file: z.string(), movedTo: z.string(), reason: z.string() }),
  /** A retention run was refused (a wall-clock jump, or it would have deleted too much at once). */
  'storage.prune-refused': z.object({ reason: z.string(), wouldDelete: z.number().int().nonnegative(), events: z.number().int().nonnegative() }),
  /** An input was rejected: it is kept here with the reason instead of being lost. */
  'input.rejected': z.object({
    topic: z.string(),
    reason: z.string(),
    code: z.string(),
    clientId: z.string().optional(),
    bytes: z.number().int().nonnegative(),
    /** The payload as UTF-8 text (or base64 when it is not text), cut to a bounded length. */
    payload: z.string(),
    encoding: z.enum(['utf8', 'base64']),
    truncated: z.boolean(),
  }),
} as const;

export type EventCatalog = typeof eventCatalog;
/** A type firstlight knows the schema of. */
export type KnownEventType = keyof EventCatalog;
/** The data of a known event type. */
export type EventData<T extends string> = T extends KnownEventType ? z.infer<EventCatalog[T]> : unknown;

export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(eventCatalog, type);
}
