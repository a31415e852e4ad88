// A door or window contact (Aqara MCCGQ11LM): reports each change, and checks in with its state.
import type { Fact } from 'firstlight';
import { createRadio, type DeviceDeps, type RadioOptions } from './radio.ts';
import type { SimDevice } from './sim-device.ts';

export interface SimContactSensor extends SimDevice {
  /** The door or window opened (true) or closed (false); only a change is reported. */
  set(open: boolean): void;
  readonly open: boolean;
}

export function createContactSensor(deps: DeviceDeps, radioOptions: RadioOptions): SimContactSensor {
  const { info } = deps;
  let open = false;
  const state = (): Fact[] => [{ type: 'sensor.contact', data: { device: info.name, open } }];
  const radio = createRadio(deps, radioOptions, state);
  return {
    info,
    get online() {
      return radio.online;
    },
    get open() {
      return open;
    },
    state,
    set(value) {
      if (value === open) return;
      open = value;
      radio.report(state());
    },
    start: () => radio.start(),
    stop: () => radio.stop(),
  };
}
