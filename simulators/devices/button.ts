// A wireless button (Aqara WXKG11LM): each press is one message with the action. Zigbee2MQTT keeps no
// action in its state cache, so heartbeats carry only the battery.
import { createRadio, type DeviceDeps, type RadioOptions } from './radio.ts';
import type { SimDevice } from './sim-device.ts';

export type ButtonAction = 'single' | 'double' | 'hold' | 'release';

export interface SimButton extends SimDevice {
  press(action: ButtonAction): void;
}

export function createButton(deps: DeviceDeps, radioOptions: RadioOptions): SimButton {
  const { info } = deps;
  const radio = createRadio(deps, radioOptions, () => []);
  return {
    info,
    get online() {
      return radio.online;
    },
    state: () => [],
    press(action) {
      radio.report([{ type: 'button.action', data: { device: info.name, action } }]);
    },
    start: () => radio.start(),
    stop: () => radio.stop(),
  };
}
