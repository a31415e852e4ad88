// A whole simulated day in the shipped home, through the real adapter, rules and log, on the
// simulated clock: the regression suite every rule change runs against.
import { afterEach, describe, expect, it } from 'vitest';
import { defineRule } from '../../gateway/sdk/rule.ts';
import roomPresence from '../../rules/room-presence.ts';
import { commandsWithoutCause, lightsOnWithoutOccupants, motionLeftDark } from '../../simulators/scenario/invariants.ts';
import type { Scenario } from '../../simulators/scenario/run-scenario.ts';
import { at, LIGHT_WITHIN, scenario, VACANCY_ALLOWANCE } from './scenario-kit.ts';

let s: Scenario | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('a day in the simulated home', () => {
  it('lights follow the people: on when someone comes in, off once a room has been empty for the vacancy delay', async () => {
    s = await scenario('home.yaml');
    await s.runFor(26 * 3_600_000);
    const until = s.clock.now();

    expect(lightsOnWithoutOccupants(s.truth, { allowanceMs: VACANCY_ALLOWANCE, until })).toEqual([]);
    expect(motionLeftDark(s.truth, { withinMs: LIGHT_WITHIN, until })).toEqual([]);
    // Everyone asleep: no light on in the small hours, neither night.
    expect(s.truth.lightsOnAt(at(2.5))).toEqual([]);
    expect(s.truth.lightsOnAt(at(1.5, 1))).toEqual([]);
    // It was a real day: every light was switched, and rooms were entered and vacated many times.
    expect([...s.truth.lights.values()].every((l) => l.changes.length >= 2)).toBe(true);
    expect(s.gateway.events({ type: 'room.vacated' }).length).toBeGreaterThan(20);
    expect(s.gateway.events({ type: 'rule.failed' })).toEqual([]);
    expect(s.gateway.events({ type: 'input.rejected' })).toEqual([]);
  });

  it('every command traces back to a sensor fact, through its causation and correlation ids', async () => {
    s = await scenario('home.yaml', { seed: 7 });
    await s.runFor(24 * 3_600_000);
    const events = s.gateway.events();
    expect(events.filter((e) => e.type === 'command.light').length).toBeGreaterThan(30);
    expect(commandsWithoutCause(events)).toEqual([]);
  });

  it('catches a rule change that leaves lights burning in empty rooms', async () => {
    // A regression: this lights rule forgets room.vacated.
    const onlyOn = defineRule({
      name: 'lights-on-only',
      on: {
        'room.entered'(event, ctx) {
          for (const light of ctx.devices.inRoom(event.data.room, 'light')) ctx.command(light.name, { state: 'ON' });
        },
      },
    });
    s = await scenario('home.yaml', { rules: [roomPresence, onlyOn] });
    await s.runFor(12 * 3_600_000);
    const violations = lightsOnWithoutOccupants(s.truth, { allowanceMs: VACANCY_ALLOWANCE, until: s.clock.now() });
    expect(violations.map((v) => v.room)).toContain('bathroom');
  });
});
