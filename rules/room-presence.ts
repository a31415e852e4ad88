// Derives "room entered" from presence facts, and "room vacated" once no sensor in the room has
// seen anyone for the room's vacancy delay (a persisted timer: restarts neither lose nor repeat it).
import { defineRule, durationSchema, z, type RuleContext } from 'firstlight';

const options = z.object({
  /** How long a room must be without presence before it counts as vacated. */
  vacancyDelay: durationSchema.prefault('10m'),
  /** Per-room delays, e.g. { bathroom: { vacancyDelay: '3m' } }. */
  rooms: z.record(z.string(), z.object({ vacancyDelay: durationSchema })).default({}),
});
type Options = z.output<typeof options>;

interface RoomState {
  /** Sensors in the room that currently see someone. */
  present: string[];
  occupied: boolean;
  /** When the last sensor stopped seeing anyone (ms since the epoch). */
  clearedAt?: number;
}

/** A sensor stopped seeing anyone (it reported no presence, or went offline). */
function sensorCleared(device: string, ctx: RuleContext<Options>): void {
  const state = ctx.state.get<RoomState>();
  if (!state?.present.includes(device)) return;
  const present = state.present.filter((d) => d !== device);
  // The countdown starts when the last sensor in the room stops seeing anyone.
  const cleared = state.occupied && present.length === 0;
  ctx.state.set({ present, occupied: state.occupied, clearedAt: cleared ? ctx.now.getTime() : state.clearedAt });
  if (cleared) ctx.timers.set('vacancy', ctx.options.rooms[ctx.key]?.vacancyDelay ?? ctx.options.vacancyDelay);
}

export default defineRule({
  name: 'room-presence',
  // Shipped and tested with firstlight: runs in the gateway's thread. Rules you write run in the
  // rule worker unless they say otherwise (rules.isolation in the README).
  isolation: 'inline',
  description: 'presence facts -> room.entered, and room.vacated after the vacancy delay',
  options,
  on: {
    'sensor.occupancy'(event, ctx) {
      if (!ctx.key) return; // a sensor that is in no room says nothing about rooms
      const device = event.data.device;
      if (!event.data.occupied) return sensorCleared(device, ctx);
      const state = ctx.state.get<RoomState>() ?? { present: [], occupied: false };
      // A sensor repeating that it sees someone changes nothing (and writes nothing).
      if (state.occupied && state.present.includes(device)) return;
      if (state.present.length === 0) ctx.timers.cancel('vacancy');
      ctx.state.set({ present: [...state.present, device], occupied: true });
      if (!state.occupied) ctx.emit('room.entered', { room: ctx.key });
    },
    'device.availability'(event, ctx) {
      // A sensor that went offline while it saw someone must not keep the room occupied forever.
      if (!event.data.online) sensorCleared(event.data.device, ctx);
    },
  },
  timers: {
    vacancy(timer, ctx) {
      const state = ctx.state.get<RoomState>();
      ctx.state.set({ present: [], occupied: false });
      ctx.emit('room.vacated', { room: timer.key, vacantForMs: ctx.now.getTime() - (state?.clearedAt ?? timer.dueAt.getTime()) });
    },
  },
});
