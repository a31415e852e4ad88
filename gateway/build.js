// Builds dist/firstlight.js, the gateway as one JavaScript module, so that it runs without a TypeScript
// loader (on Node 20 tsx's loader runs on a thread of its own: ~40 MB a Raspberry Pi can keep).
// `npm ci` builds it (the prepare script); the firstlight command rebuilds it when a source is newer.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = join(ROOT, 'gateway');
const DIST = join(ROOT, 'dist');
export const OUTPUT = join(DIST, 'firstlight.js');
/** The files the build was made from (esbuild's own list of its inputs), relative to the package. */
const INPUTS = join(DIST, 'inputs.json');

/**
 * Whether the build is missing, or older than a file it was made from (the simulators' included), or
 * one of them is gone. A packed tarball's files all share one time: not stale.
 */
export function isStale() {
  try {
    const built = statSync(OUTPUT).mtimeMs;
    return JSON.parse(readFileSync(INPUTS, 'utf8')).some((file) => statSync(join(ROOT, file)).mtimeMs > built);
  } catch {
    return true;
  }
}

export function build() {
  // esbuild's synchronous API on a child process, not on a worker thread left running in this one.
  process.env.ESBUILD_WORKER_THREADS = '0';
  const esbuild = createRequire(import.meta.url)('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [join(SOURCES, 'runtime.ts')],
    bundle: true,
    // The dependencies load from node_modules as they are; only firstlight's own modules are bundled.
    packages: 'external',
    // Except the package itself, as the simulators import it: one copy of the SDK.
    alias: { firstlight: join(SOURCES, 'sdk', 'index.ts') },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    entryNames: 'firstlight',
    outdir: DIST,
    // What the CLI imports lazily (the simulators, with mqtt.js) stays out of a starting gateway's
    // memory. Chunks sit beside the entry: package-root.ts finds the package one level up from any.
    splitting: true,
    chunkNames: '[name]-[hash]',
    write: false,
    metafile: true,
    logLevel: 'silent',
    // Not minified: a stack trace names functions, and the "// gateway/..." comments the files.
  });
  mkdirSync(DIST, { recursive: true });
  // The entry last: a gateway starting meanwhile reads the old build or the new one, whole.
  const files = result.outputFiles.sort((a, b) => Number(a.path === OUTPUT) - Number(b.path === OUTPUT));
  // esbuild names its inputs relative to the working directory.
  const inputs = Object.keys(result.metafile.inputs).map((f) => relative(ROOT, resolve(f)));
  writeWhole(INPUTS, JSON.stringify(inputs));
  for (const file of files) writeWhole(file.path, file.contents);
  const made = new Set([...files.map((f) => basename(f.path)), basename(INPUTS)]);
  for (const name of readdirSync(DIST)) if (!made.has(name)) rmSync(join(DIST, name), { force: true });
}

/** Written under another name and renamed: never seen half-written. */
function writeWhole(path, contents) {
  const partial = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, contents);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** The build's path, built first when it is missing or stale. */
export function ensureBuilt() {
  if (!isStale()) return OUTPUT;
  try {
    build();
  } catch (err) {
    // An installed package may be read-only to the service's user: run the build that is there.
    if (!existsSync(OUTPUT)) throw new Error(`firstlight: the gateway's build is missing and cannot be made (${err.message}); run "npm run build" in ${ROOT}`);
    process.stderr.write(`firstlight: a source is newer than the build, which cannot be remade (${err.message}); running the build as it is\n`);
  }
  return OUTPUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) build();
