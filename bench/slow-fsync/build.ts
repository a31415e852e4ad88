// Compiles slow-fsync.c into a shared library for LD_PRELOAD (the bench's --fsync-delay), once per
// source change, into bench/out/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./slow-fsync.c', import.meta.url));

/** The environment that gives a child process fsyncs `delayMs` longer; needs Linux and a C compiler. */
export function slowFsyncEnv(outDir: string, delayMs: number): NodeJS.ProcessEnv {
  if (process.platform !== 'linux') throw new Error('--fsync-delay needs Linux (an LD_PRELOAD library)');
  mkdirSync(outDir, { recursive: true });
  const library = join(outDir, 'slow-fsync.so');
  if (!existsSync(library) || statSync(library).mtimeMs < statSync(SOURCE).mtimeMs) {
    try {
      execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', library, SOURCE, '-ldl'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new Error(`--fsync-delay needs a C compiler (cc) to build ${SOURCE}: ${(err as Error).message}`);
    }
  }
  return { ...process.env, LD_PRELOAD: library, SLOW_FSYNC_US: String(Math.round(delayMs * 1000)) };
}
