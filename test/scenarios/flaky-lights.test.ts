// A day in the simulated home with lights that lose commands, as Zigbee bulbs at the edge of the mesh
// do: the gateway's confirmation and retries (the built-in command-lifecycle rule) still light every
// room someone walks into.
import { afterEach, describe, expect, it } from 'vitest';
import commandLifecycle from '../../gateway/engine/builtin/command-lifecycle.ts';
import lightsFollowPresence from '../../rules/lights-follow-presence.ts';
import roomPresence from '../../rules/room-presence.ts';
import { loadBuilding } from '../../simulators/building/load-building.ts';
import type { Building } from '../../simulators/building/schema.ts';
import { motionLeftDark } from '../../simulators/scenario/invariants.ts';
import { startScenario, type Scenario } from '../../simulators/scenario/run-scenario.ts';
import { adapter, MONDAY } from './scenario-kit.ts';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** The shipped home, with every light losing this share of the commands it is sent. */
async function flakyHome(failureRate: number): Promise<Building> {
  const home = await loadBuilding(new URL('../../simulators/buildings/home.yaml', import.meta.url).pathname);
  for (const floor of Object.values(home.floors)) {
    for (const room of Object.values(floor.rooms)) {
      for (const device of Object.values(room.devices)) if (device.type === 'light') device.failureRate = failureRate;
    }
  }
  return home;
}

describe('lights that lose commands', () => {
  it('are sent each lost command again until they confirm it, so no room someone enters stays dark', async () => {
    const confirmTimeout = 5_000;
    const retries = 4;
    s = await startScenario({
      building: await flakyHome(0.2),
      adapter,
      rules: [roomPresence, lightsFollowPresence, commandLifecycle],
      ruleOptions: { 'command-lifecycle': { confirmTimeout, retries } },
      seed: 11,
      start: MONDAY,
    });
    await s.runFor(24 * 3_600_000);
    const until = s.clock.now();
    const events = s.gateway.events();

    expect(s.truth.lost.length).toBeGreaterThan(5);
    expect(events.filter((e) => e.type === 'command.light' && ((e.data as { attempt?: number }).attempt ?? 0) > 0).length).toBeGreaterThanOrEqual(s.truth.lost.length);
    // Each attempt waits for its confirmation: after the last one, the light is on.
    expect(motionLeftDark(s.truth, { withinMs: (retries + 1) * confirmTimeout + 1_000, until, excuseLost: false })).toEqual([]);
    expect(events.filter((e) => e.type === 'command.failed')).toEqual([]);
  });
});
