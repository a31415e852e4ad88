// Keeps a running gateway's heap near what it holds: under a burst V8 lets the old generation grow to
// several times the live data before it collects, which is where the gateway's peak memory came from.
import v8 from 'node:v8';

/**
 * After each full collection the old generation may grow by this share of what survived, instead
 * of V8's own 10-300% (it grows faster the faster it collects). In `npm run bench`: peak RSS 146-160
 * MB instead of 190-222, for 0-10% of the throughput at saturation (docs/raspberry-pi.md, "Memory").
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets the growth limit unless Node was started with its own `--heap-growing-percent`. V8 reads the
 * flag at every full collection, so setting it once the process runs takes effect from the next one.
 * Returns whether it was set.
 */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent(=|$)/.test(arg))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
