// A temperature and humidity sensor (Aqara WSDCGQ11LM): it samples the room, reports when a reading
// has moved enough since the last report, and its calibration drifts slowly, as cheap sensors do.
import type { Fact } from 'firstlight';
import type { Cancel } from '../agenda.ts';
import { createRadio, type DeviceDeps, type RadioOptions } from './radio.ts';
import type { SimDevice } from './sim-device.ts';

export interface ClimateOptions {
  /** The room's true temperature (°C) and relative humidity (%) now. */
  truth: () => { celsius: number; percent: number };
  /** How often the sensor samples (default 5 minutes). */
  sampleEvery?: number | undefined;
  /** Standard deviation of the calibration drift per day, in °C (humidity drifts 5x as much in %). */
  driftPerDay?: number | undefined;
}

/** Changes smaller than these are not reported until the next heartbeat. */
const REPORT_CELSIUS = 0.3;
const REPORT_PERCENT = 3;
const DAY = 86_400_000;

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function createClimateSensor(deps: DeviceDeps, radioOptions: RadioOptions, options: ClimateOptions): SimDevice {
  const { agenda, info, random } = deps;
  const every = options.sampleEvery ?? 5 * 60_000;
  const driftSd = (options.driftPerDay ?? 0.3) * Math.sqrt(every / DAY);
  let offset = 0;
  let reading = { celsius: 0, percent: 0 };
  let reported: typeof reading | undefined;
  let cancel: Cancel | undefined;

  function sample(): void {
    // A random walk: the offset wanders without bound, like an ageing sensor.
    offset += random.normal(0, driftSd);
    const truth = options.truth();
    reading = {
      celsius: round2(truth.celsius + offset + random.normal(0, 0.05)),
      percent: round2(Math.min(100, Math.max(0, truth.percent + offset * 5 + random.normal(0, 0.5)))),
    };
  }

  const state = (): Fact[] => [
    { type: 'sensor.temperature', data: { device: info.name, celsius: reading.celsius } },
    { type: 'sensor.humidity', data: { device: info.name, percent: reading.percent } },
  ];
  const radio = createRadio(deps, radioOptions, () => {
    reported = reading;
    return state();
  });

  function loop(): void {
    sample();
    const moved = !reported || Math.abs(reading.celsius - reported.celsius) >= REPORT_CELSIUS || Math.abs(reading.percent - reported.percent) >= REPORT_PERCENT;
    if (moved && radio.report(state())) reported = reading;
    cancel = agenda.after(every, loop);
  }

  return {
    info,
    get online() {
      return radio.online;
    },
    state,
    start() {
      radio.start();
      // Sensors switched on together still sample out of step.
      cancel = agenda.after(random.between(0, every), loop);
    },
    stop() {
      cancel?.();
      radio.stop();
    },
  };
}
