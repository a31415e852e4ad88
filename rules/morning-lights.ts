// A morning schedule: on weekdays at 06:45 (in the gateway's time zone) mark the morning and turn on
// the lights of the rooms listed in the options (none by default).
import { defineRule, schedule, z } from 'firstlight';

export default defineRule({
  name: 'morning-lights',
  // Shipped and tested with firstlight: runs in the gateway's thread. Rules you write run in the
  // rule worker unless they say otherwise (rules.isolation in the README).
  isolation: 'inline',
  description: 'weekdays at 06:45 -> house.morning, lights ON in options.rooms',
  options: z.object({
    /** A cron expression (minute hour day-of-month month day-of-week). */
    cron: z.string().default('45 6 * * 1-5'),
    rooms: z.array(z.string()).default([]),
  }),
  triggers: (options) => [
    schedule({
      name: 'morning',
      cron: options.cron,
      // A morning missed while the gateway was down is not worth switching lights on for at noon.
      ifLate: 'skip',
      lateAfter: 15 * 60_000,
      run(fired, ctx) {
        ctx.emit('house.morning', { scheduledFor: fired.scheduledFor });
        for (const room of ctx.options.rooms) {
          for (const light of ctx.devices.inRoom(room, 'light')) ctx.command(light.name, { state: 'ON' });
        }
      },
    }),
  ],
});
