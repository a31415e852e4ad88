// A PIR motion sensor as Zigbee2MQTT reports it (Aqara RTCGQ11LM): occupancy true when it sees
// motion, at most once per detection interval (the sensor is blind in between), and occupancy false
// once the occupancy timeout has passed without a report; illuminance with every message.
import type { Fact } from 'firstlight';
import { createRadio, type DeviceDeps, type RadioOptions } from './radio.ts';
import type { SimDevice } from './sim-device.ts';

export interface MotionOptions {
  /** Zigbee2MQTT's `occupancy_timeout`: occupancy false this long after the last report (default 90 s). */
  occupancyTimeout?: number | undefined;
  /** The sensor reports motion at most this often (Aqara: 60 s). */
  detectionInterval?: number | undefined;
  /** The light level where the sensor is, in lux. */
  illuminance: () => number;
}

export interface SimMotionSensor extends SimDevice {
  /** Someone moved in view of the sensor. */
  see(): void;
  readonly occupied: boolean;
}

export function createMotionSensor(deps: DeviceDeps, radioOptions: RadioOptions, options: MotionOptions): SimMotionSensor {
  const { agenda, info } = deps;
  const timeout = options.occupancyTimeout ?? 90_000;
  const interval = options.detectionInterval ?? 60_000;
  let occupied = false;
  let lastReport = -Infinity;
  let cancelClear: (() => void) | undefined;

  const state = (): Fact[] => [
    { type: 'sensor.occupancy', data: { device: info.name, occupied } },
    { type: 'sensor.illuminance', data: { device: info.name, lux: Math.max(0, Math.round(options.illuminance())) } },
  ];
  const radio = createRadio(deps, radioOptions, state);
  const clear = (): void => {
    occupied = false;
    radio.report(state());
  };

  return {
    info,
    get online() {
      return radio.online;
    },
    get occupied() {
      return occupied;
    },
    state,
    see() {
      const now = agenda.now();
      if (!radio.online || (occupied && now - lastReport < interval)) return;
      occupied = true;
      lastReport = now;
      radio.report(state());
      // Zigbee2MQTT counts the timeout from the last occupancy report, not from the last motion.
      cancelClear?.();
      cancelClear = agenda.after(timeout, clear);
    },
    start: () => radio.start(),
    stop() {
      cancelClear?.();
      radio.stop();
    },
  };
}
