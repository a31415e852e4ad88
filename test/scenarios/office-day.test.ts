// A weekday on the simulated 40-room office floor, through the real pipeline on the simulated clock:
// 30 people and a cleaner, lights following them, and a dark, empty floor at night.
import { afterEach, describe, expect, it } from 'vitest';
import { commandsWithoutCause, lightsOnWithoutOccupants, motionLeftDark } from '../../simulators/scenario/invariants.ts';
import type { Scenario } from '../../simulators/scenario/run-scenario.ts';
import { at, LIGHT_WITHIN, scenario, VACANCY_ALLOWANCE } from './scenario-kit.ts';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('a weekday on the simulated office floor', () => {
  it('runs a whole day in seconds, lights only where people are, and nothing on in the empty building at night', async () => {
    const started = performance.now();
    s = await scenario('office-floor.ts');
    await s.runFor(27 * 3_600_000);
    const tookMs = performance.now() - started;
    const until = s.clock.now();
    const events = s.gateway.events();
    console.info(`office floor: 27 simulated hours in ${(tookMs / 1000).toFixed(1)} s (${events.length} events, ${s.building.stats.published} device messages, ${s.building.stats.commands} commands)`);
    expect(tookMs).toBeLessThan(60_000);

    expect(lightsOnWithoutOccupants(s.truth, { allowanceMs: VACANCY_ALLOWANCE, until })).toEqual([]);
    expect(motionLeftDark(s.truth, { withinMs: LIGHT_WITHIN, until })).toEqual([]);
    expect(commandsWithoutCause(events)).toEqual([]);
    // Nobody there at 03:00 on Monday, nor after the cleaner left on Monday evening.
    expect(s.truth.lightsOnAt(at(3))).toEqual([]);
    expect(s.truth.lightsOnAt(at(23))).toEqual([]);
    expect(s.truth.lightsOnAt(at(3, 1))).toEqual([]);
    // At 11:00 the floor is lit where people work.
    expect(s.truth.lightsOnAt(at(11)).length).toBeGreaterThan(15);
    expect(events.filter((e) => e.type === 'command.light').length).toBeGreaterThan(300);
    expect(events.filter((e) => e.type === 'rule.failed' || e.type === 'input.rejected')).toEqual([]);
  });
});
