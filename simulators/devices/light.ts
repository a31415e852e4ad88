// A light (IKEA LED1545G12) that obeys the commands Zigbee2MQTT forwards to it: after a delay it
// applies one and reports its new state; with the failure rate a command is lost on the way (Zigbee
// delivery failed), and nothing is reported, as with a real bulb that did not hear it.
import type { Fact, LightCommand } from 'firstlight';
import { createRadio, type DeviceDeps, type RadioOptions } from './radio.ts';
import type { SimDevice } from './sim-device.ts';

export interface LightOptions {
  /** Time from the command to the state report (default 300 ms). */
  delay?: number | undefined;
  /** Share of commands lost, 0 to 1 (default 0). */
  failureRate?: number | undefined;
  /** Brightness when first switched on (1-254, default 254) and colour temperature in mired (default 370). */
  brightness?: number | undefined;
  colorTemp?: number | undefined;
  /** Told whenever the light actually turns on or off (the room gets brighter). */
  onChange?: ((on: boolean) => void) | undefined;
  /** Told about a command that was lost. */
  onLost?: ((command: LightCommand) => void) | undefined;
}

export interface SimLight extends SimDevice {
  command(command: LightCommand): void;
  readonly on: boolean;
  readonly brightness: number;
}

export function createLight(deps: DeviceDeps, radioOptions: RadioOptions, options: LightOptions = {}): SimLight {
  const { agenda, info, random } = deps;
  const delay = options.delay ?? 300;
  const failureRate = options.failureRate ?? 0;
  const colorTemp = options.colorTemp ?? 370;
  let on = false;
  let brightness = options.brightness ?? 254;

  const state = (): Fact[] => [{ type: 'light.state', data: { device: info.name, on, brightness, colorTemp } }];
  // Mains powered: no battery, no heartbeats.
  const radio = createRadio(deps, { ...radioOptions, battery: undefined }, state);

  function apply(command: LightCommand): void {
    const was = on;
    on = command.state === 'TOGGLE' ? !on : command.state === 'ON';
    // Like a real bulb: "ON" alone restores the last brightness, and "OFF" keeps it for next time.
    if (command.brightness !== undefined && command.brightness > 0) brightness = Math.min(254, command.brightness);
    if (was !== on) options.onChange?.(on);
    radio.report(state());
  }

  return {
    info,
    get online() {
      return radio.online;
    },
    get on() {
      return on;
    },
    get brightness() {
      return brightness;
    },
    state,
    command(command) {
      if (!radio.online || (failureRate > 0 && random.chance(failureRate))) {
        options.onLost?.(command);
        return;
      }
      agenda.after(delay, () => apply(command));
    },
    start: () => radio.start(),
    stop: () => radio.stop(),
  };
}
