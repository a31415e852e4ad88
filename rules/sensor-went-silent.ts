// Raises an alert when a sensor has reported nothing for too long (an "absence" per device):
// a freezer's thermometer with a flat battery should not go unnoticed.
import { absence, defineRule, durationSchema, z } from 'firstlight';

const SENSOR_REPORTS = ['sensor.temperature', 'sensor.humidity', 'sensor.occupancy', 'sensor.contact'] as const;

export default defineRule({
  name: 'sensor-went-silent',
  // Shipped and tested with firstlight: runs in the gateway's thread. Rules you write run in the
  // rule worker unless they say otherwise (rules.isolation in the README).
  isolation: 'inline',
  description: 'no report from a sensor for `after` (default 1 hour) -> alert.raised',
  options: z.object({ after: durationSchema.prefault('1h') }),
  triggers: (options) => [
    absence({
      name: 'silent',
      type: SENSOR_REPORTS,
      per: 'device',
      for: options.after,
      run(fired, ctx) {
        ctx.emit('alert.raised', {
          alert: 'sensor-went-silent',
          message: `${fired.key} has sent nothing for ${Math.round(fired.silentForMs / 60_000)} minutes (last at ${fired.lastSeen})`,
          device: fired.key,
          room: ctx.devices.get(fired.key)?.room,
        });
      },
    }),
  ],
});
