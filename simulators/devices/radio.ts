// What every simulated Zigbee device shares: its radio (link quality, availability, dropouts), its
// battery (drain, voltage, going dark when empty), heartbeats, and publishing its whole state the way
// Zigbee2MQTT does (every message carries the device's cached state).
import type { DeviceInfo, DeviceSimulationCodec, Fact, OutboundMessage } from 'firstlight';
import type { Agenda, Cancel } from '../agenda.ts';
import type { Random } from '../random.ts';
import type { SimTransport } from '../transport.ts';

const DAY = 86_400_000;

/** Sees every message a device publishes, with the facts it carries (the scenario's ground truth). */
export interface DeviceObserver {
  published?(device: DeviceInfo, message: OutboundMessage, facts: readonly Fact[]): void;
}

export interface DeviceDeps {
  info: DeviceInfo;
  codec: DeviceSimulationCodec;
  agenda: Agenda;
  random: Random;
  transport: SimTransport;
  /** Zigbee2MQTT 2.x publishes availability as JSON, 1.x as plain text. */
  availabilityFormat: 'json' | 'legacy';
  observer?: DeviceObserver | undefined;
}

export interface RadioOptions {
  /** Starting battery level in %; undefined for a mains-powered device. */
  battery?: number | undefined;
  /** Battery % used per day while idle, and per message sent. */
  drainPerDay?: number | undefined;
  drainPerMessage?: number | undefined;
  /** Typical link quality (0-255); each message varies around it. */
  linkquality?: number | undefined;
  /** How often the device drops off the network (mean dropouts per day), and for how long (ms). */
  offlinePerDay?: number | undefined;
  offlineFor?: readonly [number, number] | undefined;
  /** Battery devices check in with their whole state this often (Aqara: about every 50 minutes); 0 = never. */
  heartbeat?: number | undefined;
}

export interface Radio {
  readonly online: boolean;
  /** The battery level as the device reports it, or undefined for a mains device. */
  readonly battery: number | undefined;
  /** Publishes the device's state with these facts (and its battery); false if the device is offline. */
  report(facts: Fact[]): boolean;
  /** Announces the device online and starts heartbeats and dropouts. */
  start(): void;
  stop(): void;
}

/**
 * `state` gives the facts of the device's whole current state, sent with heartbeats and when the
 * device comes back online.
 */
export function createRadio(deps: DeviceDeps, options: RadioOptions, state: () => Fact[]): Radio {
  const { info, codec, agenda, random, transport } = deps;
  const name = info.name;
  let battery = options.battery;
  const drainPerDay = options.drainPerDay ?? 0.15;
  const drainPerMessage = options.drainPerMessage ?? 0.0005;
  const baseLink = options.linkquality ?? random.int(60, 220);
  let online = false;
  let dead = false;
  let lastDrain = agenda.now();
  // One pending heartbeat and one pending dropout (or return) at a time.
  let heartbeatTimer: Cancel | undefined;
  let dropoutTimer: Cancel | undefined;

  function send(message: OutboundMessage, facts: readonly Fact[]): void {
    transport.publish(message);
    deps.observer?.published?.(info, message, facts);
  }

  function setOnline(value: boolean): void {
    online = value;
    send(codec.encodeAvailability(info, value, deps.availabilityFormat), [{ type: 'device.availability', data: { device: name, online: value } }]);
  }

  /** The battery after the time since the last message and this message; an empty battery goes dark. */
  function drain(): void {
    if (battery === undefined) return;
    const now = agenda.now();
    battery = Math.max(0, battery - ((now - lastDrain) / DAY) * drainPerDay - drainPerMessage);
    lastDrain = now;
    if (battery <= 0 && !dead) {
      dead = true;
      // Zigbee2MQTT says so only after its availability timeout; saying it at once keeps it visible.
      setOnline(false);
      radio.stop();
    }
  }

  function report(facts: Fact[]): boolean {
    if (!online || dead) return false;
    drain();
    if (dead) return false;
    const all = [...facts];
    const extra: Record<string, unknown> = {
      linkquality: Math.max(0, Math.min(255, Math.round(random.normal(baseLink, 8)))),
    };
    if (battery !== undefined) {
      const percent = Math.round(battery);
      all.push({ type: 'device.battery', data: { device: name, percent } });
      // A CR2032 reads about 3.0 V full and 2.5 V empty.
      extra.voltage = Math.round(2500 + percent * 5);
    }
    send(codec.encodeState(info, all, extra), all);
    return true;
  }

  function scheduleHeartbeat(): void {
    const every = options.heartbeat ?? (battery === undefined ? 0 : 50 * 60_000);
    if (every <= 0) return;
    heartbeatTimer = agenda.after(every * random.between(0.9, 1.1), () => {
      report(state());
      scheduleHeartbeat();
    });
  }

  function scheduleDropout(): void {
    const perDay = options.offlinePerDay ?? 0;
    if (perDay <= 0) return;
    const [min, max] = options.offlineFor ?? [60_000, 600_000];
    dropoutTimer = agenda.after(random.exponential(DAY / perDay), () => {
      if (dead) return;
      setOnline(false);
      dropoutTimer = agenda.after(random.between(min, max), () => {
        if (dead) return;
        setOnline(true);
        report(state());
        scheduleDropout();
      });
    });
  }

  const radio: Radio = {
    get online() {
      return online && !dead;
    },
    get battery() {
      return battery === undefined ? undefined : Math.round(battery);
    },
    report,
    start() {
      lastDrain = agenda.now();
      setOnline(true);
      scheduleHeartbeat();
      scheduleDropout();
    },
    stop() {
      heartbeatTimer?.();
      dropoutTimer?.();
    },
  };
  return radio;
}
