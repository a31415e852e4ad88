// Turns a room's lights on when someone enters it, and off when it has been vacated.
import { defineRule } from 'firstlight';

export default defineRule({
  name: 'lights-follow-presence',
  // Shipped and tested with firstlight: runs in the gateway's thread. Rules you write run in the
  // rule worker unless they say otherwise (rules.isolation in the README).
  isolation: 'inline',
  description: 'room.entered -> lights ON, room.vacated -> lights OFF',
  on: {
    'room.entered'(event, ctx) {
      for (const light of ctx.devices.inRoom(event.data.room, 'light')) ctx.command(light.name, { state: 'ON' });
    },
    'room.vacated'(event, ctx) {
      for (const light of ctx.devices.inRoom(event.data.room, 'light')) ctx.command(light.name, { state: 'OFF' });
    },
  },
});
