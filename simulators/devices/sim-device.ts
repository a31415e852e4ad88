// The surface every simulated device has, whatever its kind.
import type { DeviceInfo, Fact, LightCommand } from 'firstlight';

export interface SimDevice {
  readonly info: DeviceInfo;
  readonly online: boolean;
  /** Announces the device (retained availability) and starts its own timers. */
  start(): void;
  stop(): void;
  /** The facts of its whole current state: what Zigbee2MQTT's state cache holds for it. */
  state(): Fact[];
  /** A command for it arrived (lights and switches); other kinds ignore commands. */
  command?(command: LightCommand): void;
}
