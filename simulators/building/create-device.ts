// Makes the simulated device a building file describes: one dispatch over the device types.
import type { DeviceInfo, DeviceKind, LightCommand } from 'firstlight';
import { createButton } from '../devices/button.ts';
import { createClimateSensor } from '../devices/climate-sensor.ts';
import { createContactSensor } from '../devices/contact-sensor.ts';
import { createLight } from '../devices/light.ts';
import { createMotionSensor } from '../devices/motion-sensor.ts';
import type { DeviceDeps, RadioOptions } from '../devices/radio.ts';
import type { SimDevice } from '../devices/sim-device.ts';
import type { DeviceSpec } from './schema.ts';

/** What a device needs from the room it is in. */
export interface RoomHooks {
  lux(): number;
  climate(base: { temperature: number; humidity: number }): { celsius: number; percent: number };
  lightChanged(device: DeviceInfo, on: boolean): void;
  commandLost(device: DeviceInfo, command: LightCommand): void;
}

export type BuiltDevice = { spec: DeviceSpec; device: SimDevice };

/** In the order the adapter lists kinds, so a device's kinds compare equal after a round trip. */
export function deviceKinds(spec: DeviceSpec): DeviceKind[] {
  switch (spec.type) {
    case 'motion':
      return ['occupancy', 'illuminance', 'battery'];
    case 'contact':
      return ['contact', 'battery'];
    case 'climate':
      return ['temperature', 'humidity', 'battery'];
    case 'button':
      return ['battery', 'button'];
    case 'light':
      return ['light'];
    default: {
      const never: never = spec;
      throw new Error(`unknown device type ${JSON.stringify(never)}`);
    }
  }
}

export function createDevice(deps: Omit<DeviceDeps, 'info'> & { info: DeviceInfo }, spec: DeviceSpec, room: RoomHooks): SimDevice {
  const radio: RadioOptions = {
    // Batteries start anywhere between tired and new, the way a real installation's do.
    battery: spec.battery ?? Math.round(deps.random.between(40, 100)),
    drainPerDay: spec.drainPerDay,
    linkquality: spec.linkquality,
    offlinePerDay: spec.offlinePerDay,
    offlineFor: spec.offlineFor,
  };
  switch (spec.type) {
    case 'motion':
      return createMotionSensor(deps, radio, { occupancyTimeout: spec.occupancyTimeout, detectionInterval: spec.detectionInterval, illuminance: room.lux });
    case 'contact':
      return createContactSensor(deps, radio);
    case 'climate':
      return createClimateSensor(deps, radio, { truth: () => room.climate(spec) });
    case 'button':
      return createButton(deps, radio);
    case 'light':
      return createLight(deps, radio, {
        delay: spec.delay,
        failureRate: spec.failureRate,
        brightness: spec.brightness,
        onChange: (on) => room.lightChanged(deps.info, on),
        onLost: (command) => room.commandLost(deps.info, command),
      });
    default: {
      const never: never = spec;
      throw new Error(`unknown device type ${JSON.stringify(never)}`);
    }
  }
}
