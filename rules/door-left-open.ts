// Raises an alert when a door or window has stayed open for too long (a "held for" behaviour).
import { defineRule, durationSchema, heldFor, z } from 'firstlight';

export default defineRule({
  name: 'door-left-open',
  // Shipped and tested with firstlight: runs in the gateway's thread. Rules you write run in the
  // rule worker unless they say otherwise (rules.isolation in the README).
  isolation: 'inline',
  description: 'a contact open for `after` (default 5 minutes) -> alert.raised',
  options: z.object({ after: durationSchema.prefault('5m') }),
  triggers: (options) => [
    heldFor({
      name: 'open too long',
      type: 'sensor.contact',
      per: 'device',
      while: (event) => event.data.open,
      for: options.after,
      run(fired, ctx) {
        ctx.emit('alert.raised', {
          alert: 'door-left-open',
          message: `${fired.key} has been open for ${Math.round(fired.heldForMs / 60_000)} minutes`,
          device: fired.key,
          room: ctx.devices.get(fired.key)?.room,
        });
      },
    }),
  ],
});
