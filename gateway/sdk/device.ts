// The contract of a device adapter: a pure, two-way codec between a device family's MQTT wire format
// and firstlight's facts and commands.
import type { z } from 'zod';
import type { EventData, KnownEventType } from '../events/catalog.ts';

/** One MQTT message as it reached the gateway. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** The retain flag as received. */
  retain: boolean;
  /**
   * True when a broker replayed this as stored (retained) state on subscribe, so it is not something
   * that just happened. Live publishes, even with the retain flag set, are not replays.
   */
  replayed: boolean;
  clientId?: string | undefined;
}

/** What a device can do or report. */
export type DeviceKind =
  | 'occupancy'
  | 'contact'
  | 'temperature'
  | 'humidity'
  | 'illuminance'
  | 'battery'
  | 'button'
  | 'light'
  | 'switch';

/** What the gateway knows about a device. */
export interface DeviceInfo {
  /** Unique name, e.g. the Zigbee2MQTT friendly name "hall/motion". */
  name: string;
  /** Name of the adapter that speaks to it. */
  adapter: string;
  /** The room it is in: the stream key of its facts. */
  room?: string | undefined;
  kinds: DeviceKind[];
  model?: string | undefined;
  vendor?: string | undefined;
  /** A hardware address, e.g. the IEEE address. */
  address?: string | undefined;
}

/** A fact decoded from a device message; becomes one event. */
export type Fact = { [T in KnownEventType]: { type: T; data: EventData<T> } }[KnownEventType];

/** A CloudEvent a client published in structured mode, as parsed at the edge. */
export interface ForeignEvent {
  id: string;
  source: string;
  type: string;
  time?: string | undefined;
  subject?: string | undefined;
  partitionkey?: string | undefined;
  causationid?: string | undefined;
  correlationid?: string | undefined;
  data: unknown;
  extensions: Record<string, string | number | boolean>;
}

export type DecodeResult =
  /** Facts about one device. */
  | { kind: 'facts'; device: string; facts: Fact[] }
  /** The adapter learned devices (e.g. from a bridge's device list). */
  | { kind: 'devices'; devices: DeviceInfo[] }
  /** A complete CloudEvent from a producer that speaks CloudEvents itself. */
  | { kind: 'cloudevent'; event: ForeignEvent }
  /** Bad input: quarantined with this reason. `code` is stable, e.g. "bad_json". */
  | { kind: 'rejected'; code: string; reason: string }
  /** Not a fact (e.g. another controller's command, bridge logging): counted, not stored. */
  | { kind: 'ignored'; reason: string };

export interface DecodeContext {
  /** A known device by name, or undefined. */
  device(name: string): DeviceInfo | undefined;
}

/** A light command, as rules give it. */
export type LightCommand = Omit<EventData<'command.light'>, 'device'>;

/** An MQTT message to send. */
export interface OutboundMessage {
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

export interface DeviceAdapter {
  /** Unique adapter name, e.g. "zigbee2mqtt". */
  readonly name: string;
  /** MQTT topic filters this adapter listens on (used when subscribing to an external broker). */
  readonly topics: readonly string[];
  /** Whether a topic belongs to this adapter. Adapters are asked in order; the first claim wins. */
  claims(topic: string): boolean;
  /** Turns one message into facts, learned devices, or a rejection. Pure: no I/O, no clock. */
  decode(message: InboundMessage, context: DecodeContext): DecodeResult;
  /** Encodes a light command for a device of this adapter, or returns a reason it cannot. */
  encodeLightCommand(device: DeviceInfo, command: LightCommand): OutboundMessage | { error: string };
  /** Devices declared in the config for this adapter. */
  configuredDevices(): DeviceInfo[];
  /** The inverse direction, for simulators; adapters of device families that can be simulated have it. */
  readonly simulate?: DeviceSimulationCodec | undefined;
}

/**
 * The inverse of a device adapter's codec: what a real device (or its bridge) would publish, and what
 * a real device would understand from a command. Simulators use it so they speak exactly the wire
 * format the adapter decodes.
 */
export interface DeviceSimulationCodec {
  /** The device's state message carrying these facts (decode gives them back); `extra` fields are merged in. */
  encodeState(device: DeviceInfo, facts: Fact[], extra?: Record<string, unknown>): OutboundMessage;
  /**
   * The device's retained availability message. `legacy` is the plain-text form (`online`), `json`
   * the object form (`{"state":"online"}`).
   */
  encodeAvailability(device: DeviceInfo, online: boolean, format: 'legacy' | 'json'): OutboundMessage;
  /** The retained device list a bridge publishes for these devices (decode gives them back). */
  encodeDeviceList(devices: DeviceInfo[]): OutboundMessage;
  /** The bridge's own retained online/offline state (Zigbee2MQTT: `<base>/bridge/state`). */
  encodeBridgeState(online: boolean, format: 'legacy' | 'json'): OutboundMessage;
  /** The MQTT topic filters a device listens on for commands (a simulated light subscribes to them). */
  commandTopics(device: DeviceInfo): string[];
  /** The light command a controller sent in this message, or undefined if it is not one. */
  decodeLightCommand(message: {
    topic: string;
    payload: Buffer | string;
  }): { device: string; command: LightCommand } | undefined;
}

/** A device adapter module: options validated from the config section named after it, then created. */
export interface DeviceDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Schema of this adapter's config section (`devices.<name>` in the config file). */
  options: S;
  create(options: z.output<S>): DeviceAdapter;
}

/** Declares a device adapter. A file in `devices/` default-exports the result. */
export function defineDevice<S extends z.ZodType>(definition: DeviceDefinition<S>): DeviceDefinition<S> {
  return definition;
}
