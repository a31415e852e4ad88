// Derives "room entered" from presence facts, and "room vacated" once no sensor in the room has
// seen anyone for the room's vacancy delay (a persisted timer: restarts neither lose nor repeat it).
import { defineRule, durationSchema, z } from 'firstlight';

const options = z.object({
  /** How long a room must be without presence before it counts as vacated. */
  vacancyDelay: durationSchema.prefault('10m'),
  /** Per-room delays, e.g. { bathroom: { vacancyDelay: '3m' } }. */
  rooms: z.record(z.string(), z.object({ vacancyDelay: durationSchema })).default({}),
});

interface RoomState {
  /** Sensors in the room that currently see someone. */
  present: string[];
  occupied: boolean;
  /** When presence was last seen (ms since the epoch). */
  lastSeen: number;
}

const empty: RoomState = { present: [], occupied: false, lastSeen: 0 };

export default defineRule({
  name: 'room-presence',
  description: 'presence facts -> room.entered, and room.vacated after the vacancy delay',
  options,
  on: {
    'sensor.occupancy'(event, ctx) {
      const room = ctx.key;
      if (!room) return; // a sensor that is in no room says nothing about rooms
      const state = ctx.state.get<RoomState>() ?? empty;
      const others = state.present.filter((d) => d !== event.data.device);
      if (event.data.occupied) {
        ctx.timers.cancel('vacancy');
        ctx.state.set({ present: [...others, event.data.device], occupied: true, lastSeen: ctx.now.getTime() });
        if (!state.occupied) ctx.emit('room.entered', { room });
        return;
      }
      const wasPresent = state.present.includes(event.data.device);
      ctx.state.set({ ...state, present: others, lastSeen: wasPresent ? ctx.now.getTime() : state.lastSeen });
      // The countdown starts when the last sensor in the room stops seeing anyone.
      if (state.occupied && wasPresent && others.length === 0) {
        ctx.timers.set('vacancy', ctx.options.rooms[room]?.vacancyDelay ?? ctx.options.vacancyDelay);
      }
    },
    'device.availability'(event, ctx) {
      // A sensor that went offline while it saw someone must not keep the room occupied forever.
      const state = ctx.state.get<RoomState>();
      if (event.data.online || !state?.present.includes(event.data.device)) return;
      const others = state.present.filter((d) => d !== event.data.device);
      ctx.state.set({ ...state, present: others, lastSeen: ctx.now.getTime() });
      if (state.occupied && others.length === 0) {
        ctx.timers.set('vacancy', ctx.options.rooms[ctx.key]?.vacancyDelay ?? ctx.options.vacancyDelay);
      }
    },
  },
  timers: {
    vacancy(timer, ctx) {
      const state = ctx.state.get<RoomState>() ?? empty;
      ctx.state.set({ ...state, present: [], occupied: false });
      ctx.emit('room.vacated', { room: timer.key, vacantForMs: ctx.now.getTime() - state.lastSeen });
    },
  },
});
