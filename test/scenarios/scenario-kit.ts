// Shared set-up of the scenario tests: the shipped buildings, the real rules, a Monday to start on,
// and the slack the invariants allow.
import zigbee2mqtt from '../../devices/zigbee2mqtt.ts';
import { loadBuilding } from '../../simulators/building/load-building.ts';
import { startScenario, type Scenario, type ScenarioOptions } from '../../simulators/scenario/run-scenario.ts';

export const adapter = zigbee2mqtt.create(zigbee2mqtt.options.parse({}));
export const RULES = new URL('../../rules/', import.meta.url).pathname;
/** Monday 5 January 2026, 00:00 UTC (the shipped buildings keep UTC time). */
export const MONDAY = Date.UTC(2026, 0, 5);
export const HOUR = 3_600_000;
export const at = (hours: number, day = 0) => MONDAY + day * 24 * HOUR + hours * HOUR;

/**
 * How long a light may stay on after the last person left its room: the sensor's occupancy timeout
 * (90 s at most in the shipped buildings), the rule's vacancy delay (10 minutes by default), the
 * light's delay (500 ms at most), and a few seconds for walking out of view.
 */
export const VACANCY_ALLOWANCE = 90_000 + 600_000 + 500 + 10_000;
/** How soon after a sensor reports someone every light in the room must be on. */
export const LIGHT_WITHIN = 2_000;

export async function scenario(file: string, options: Partial<ScenarioOptions> = {}): Promise<Scenario> {
  const building = await loadBuilding(new URL(`../../simulators/buildings/${file}`, import.meta.url).pathname);
  return startScenario({ building, adapter, rules: RULES, seed: 1, start: MONDAY, ...options });
}
