// The gateway limits how far its heap grows past what it holds, unless Node was told otherwise.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from '../../gateway/ops/heap-growth.ts';

const burst = fileURLToPath(new URL('../fixtures/heap-burst.ts', import.meta.url));

/** Peak old-generation size of a child process through the same burst, with or without the limit. */
function peakOldSpace(limit: boolean): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', burst, ...(limit ? ['limit'] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

describe('limitHeapGrowth', () => {
  it('keeps a --heap-growing-percent given to Node, in either spelling', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=30'])).toBe(false);
    expect(limitHeapGrowth(['--heap_growing_percent', '30'])).toBe(false);
  });

  it('holds the old generation well below what V8 grows it to on its own through a burst', () => {
    // ~130 MB without the limit, ~60-65 MB with it, on the development machine.
    expect(peakOldSpace(true)).toBeLessThan(0.75 * peakOldSpace(false));
  });
});
