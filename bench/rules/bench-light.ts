// Bench rule: commands the room's light for every occupancy fact, with the room's event count (mod 256)
// as brightness, so the bench can check that it matched each command to the right publish.
import { defineRule } from 'firstlight';

// In memory on purpose: the bench measures the gateway and the flagship rules, not this rule's state.
// It counts a room's sensor.occupancy events from the gateway's start, as the bench counts its publishes.
const seen = new Map<string, number>();

export default defineRule({
  name: 'bench-light',
  // The bench measures the gateway's hot path; `npm run bench -- --isolate` runs this rule in the worker.
  isolation: 'inline',
  description: 'bench: sensor.occupancy -> the room light ON, brightness = the room event count mod 256',
  // The bench drives tens of thousands of events per second through this rule; the default guard
  // (1,000 outputs per second) would drop them as a runaway rule.
  limits: { emitsPerSecond: 10_000_000 },
  on: {
    'sensor.occupancy'(event, ctx) {
      const room = ctx.key;
      if (!room) return;
      const n = seen.get(room) ?? 0;
      seen.set(room, n + 1);
      for (const light of ctx.devices.inRoom(room, 'light')) ctx.command(light.name, { state: 'ON', brightness: n % 256 });
    },
  },
});
