// A small seeded random generator (mulberry32) with the draws simulators need: the same seed gives
// the same day, and forked streams keep one part's draws from shifting another's.

export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** A number in [min, max). */
  between(min: number, max: number): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An exponentially distributed wait with this mean (the time between independent events). */
  exponential(mean: number): number;
  /** A normally distributed value (Box-Muller). */
  normal(mean: number, sd: number): number;
  /**
   * An independent stream named by `label`. Forks depend only on the seed and the label, so adding a
   * device or an occupant does not change what the others do.
   */
  fork(label: string): Random;
}

/** FNV-1a over the text: a 32-bit seed from a seed and a label. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function createRandom(seed: number | string): Random {
  const key = String(seed);
  let state = hash32(key);
  const next = (): number => {
    // mulberry32: small, fast, and good enough for behaviour (not for cryptography).
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    between: (min, max) => min + next() * (max - min),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    exponential: (mean) => -Math.log(1 - next()) * mean,
    normal(mean, sd) {
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    fork: (label) => createRandom(`${key}/${label}`),
  };
  return random;
}
