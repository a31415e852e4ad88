// A guard for device adapters: is a parsed JSON payload nested deeper than is sane? Checked before
// anything walks it recursively (a zod schema, JSON.stringify), which a nesting bomb would overflow.

/** Nesting an adapter should accept at most: device messages and events are a few levels deep. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests deeper than `max` objects or arrays. Iterative, so a bomb 100,000 levels
 * deep (which JSON.parse takes without complaint) is answered without touching the stack.
 */
export function nestedDeeperThan(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
