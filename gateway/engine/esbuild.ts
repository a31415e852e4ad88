// esbuild, loaded for each use and let go after it, with its synchronous API run as a child process
// rather than on a worker thread of this process (which would stay, and cost the gateway's memory).
import { createRequire } from 'node:module';

type Esbuild = typeof import('esbuild');

/**
 * Runs `use` with a copy of esbuild of our own, which nothing keeps afterwards: rules compile at start
 * and on a change, and between the two its code (~0.3 MB of a Raspberry Pi's memory) has nothing to do.
 */
export function withEsbuild<T>(use: (esbuild: Esbuild) => T): T {
  // A require of its own each time: the module it loads stays among its children for as long as it lives.
  const require = createRequire(import.meta.url);
  const path = require.resolve('esbuild');
  // Our own copy, which reads ESBUILD_WORKER_THREADS as it loads. One loaded already (tsx's, in a
  // development process run with --import tsx) runs the synchronous API on a worker thread, and that
  // worker, going through tsx's loader hooks, deadlocks with this thread waiting for it.
  const theirs = require.cache[path];
  const setting = process.env.ESBUILD_WORKER_THREADS;
  delete require.cache[path];
  process.env.ESBUILD_WORKER_THREADS = '0';
  let esbuild: Esbuild;
  try {
    esbuild = require(path) as Esbuild;
  } finally {
    if (setting === undefined) delete process.env.ESBUILD_WORKER_THREADS;
    else process.env.ESBUILD_WORKER_THREADS = setting;
    if (theirs) require.cache[path] = theirs;
    else delete require.cache[path];
  }
  return use(esbuild);
}
