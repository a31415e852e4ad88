// Simulated Zigbee2MQTT devices (a motion sensor, a light) that speak the real wire format through an
// adapter's simulation codec, so the gateway cannot tell them from the real thing.
import type { DeviceAdapter, DeviceInfo, DeviceSimulationCodec, OutboundMessage } from 'firstlight';

/** The part of an mqtt.js `MqttClient` the simulators use. */
export interface PublishingClient {
  publish(
    topic: string,
    payload: string | Buffer,
    opts: { qos: 0 | 1 | 2; retain?: boolean },
    callback?: (error?: Error) => void,
  ): unknown;
}

export interface SimulatedDeviceDeps {
  device: DeviceInfo;
  /** An adapter with a simulation codec, e.g. the zigbee2mqtt adapter. */
  adapter: DeviceAdapter;
  client: PublishingClient;
  /**
   * Where errors of publishes nobody awaits go (a light's state after a command).
   * Default: a process warning, so they are visible without crashing the process.
   */
  onError?: (error: Error) => void;
}

function codecOf(adapter: DeviceAdapter): DeviceSimulationCodec {
  if (!adapter.simulate) throw new Error(`adapter "${adapter.name}" has no simulation codec (adapter.simulate)`);
  return adapter.simulate;
}

/** Publishes one message; resolves when mqtt.js has sent it (QoS 0) or had it acknowledged (QoS 1). */
function send(client: PublishingClient, message: OutboundMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    client.publish(message.topic, message.payload, { qos: message.qos, retain: message.retain }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

/** Publishes the bridge's retained device list, as Zigbee2MQTT does on start and after every change. */
export function publishDeviceList(adapter: DeviceAdapter, client: PublishingClient, devices: DeviceInfo[]): Promise<void> {
  return send(client, codecOf(adapter).encodeDeviceList(devices));
}

export interface SimulatedMotionSensor {
  /** Publishes occupancy true, with the sensor's illuminance, battery and link quality. */
  detect(): Promise<void>;
  /** Publishes occupancy false (a real PIR sensor does so after its detection interval). */
  clear(): Promise<void>;
}

export function createSimulatedMotionSensor(
  deps: SimulatedDeviceDeps & { illuminance?: number; battery?: number; linkquality?: number },
): SimulatedMotionSensor {
  const { device, client, illuminance = 120, battery = 100, linkquality = 150 } = deps;
  const codec = codecOf(deps.adapter);
  const publish = (occupied: boolean) =>
    send(
      client,
      codec.encodeState(
        device,
        [
          { type: 'sensor.occupancy', data: { device: device.name, occupied } },
          { type: 'sensor.illuminance', data: { device: device.name, lux: illuminance } },
          { type: 'device.battery', data: { device: device.name, percent: battery } },
        ],
        { linkquality },
      ),
    );
  return { detect: () => publish(true), clear: () => publish(false) };
}

export interface SimulatedLight {
  /**
   * Handles one incoming message: if it is a command for this light, applies it, publishes the new
   * state and returns true; otherwise returns false.
   */
  handle(topic: string, payload: Buffer | string): boolean;
  readonly state: { on: boolean; brightness: number };
}

export function createSimulatedLight(deps: SimulatedDeviceDeps & { brightness?: number }): SimulatedLight {
  const { device, client } = deps;
  const codec = codecOf(deps.adapter);
  const onError = deps.onError ?? ((error: Error) => process.emitWarning(error));
  const state = { on: false, brightness: deps.brightness ?? 254 };
  return {
    handle(topic, payload) {
      const received = codec.decodeLightCommand({ topic, payload });
      if (!received || received.device !== device.name) return false;
      const { command } = received;
      state.on = command.state === 'TOGGLE' ? !state.on : command.state === 'ON';
      // Like a real bulb: "ON" alone restores the last brightness, and "OFF" keeps it for next time.
      if (command.brightness !== undefined && command.brightness > 0) state.brightness = Math.min(254, command.brightness);
      const fact = { type: 'light.state', data: { device: device.name, on: state.on, brightness: state.brightness } } as const;
      send(client, codec.encodeState(device, [fact])).catch(onError);
      return true;
    },
    get state() {
      return { ...state };
    },
  };
}
