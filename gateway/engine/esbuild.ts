// esbuild, loaded on first use, with its synchronous API run as a child process rather than on a
// worker thread of this process (which would stay, and cost the gateway's memory for good).
import { createRequire } from 'node:module';

type Esbuild = typeof import('esbuild');
let esbuild: Esbuild | undefined;

export function loadEsbuild(): Esbuild {
  if (!esbuild) {
    // Read once, when esbuild's module loads.
    process.env.ESBUILD_WORKER_THREADS = '0';
    esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  }
  return esbuild;
}
