// Builds dist/firstlight.js, the gateway and its dependencies as JavaScript modules, so that it runs
// without a TypeScript loader (on Node 20 tsx's loader runs on a thread of its own: ~40 MB a Raspberry
// Pi can keep). `npm ci` builds it (the prepare script); the firstlight command rebuilds it when a
// source is newer.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = join(ROOT, 'gateway');
const DIST = join(ROOT, 'dist');
export const OUTPUT = join(DIST, 'firstlight.js');
/** The files the build was made from (esbuild's own list of its inputs), relative to the package. */
const INPUTS = join(DIST, 'inputs.json');
/** Rewritten by npm whenever a dependency changes; absent from a packed tarball. */
const LOCKFILE = 'package-lock.json';
/**
 * Dependencies that stay in node_modules: a native addon (better-sqlite3), esbuild (it runs a binary
 * of its own), and what the gateway loads only when it is used (the simulators' and an external
 * broker's mqtt.js, the fleet inbox's CloudEvents SDK, pretty logs on a terminal, the type checker),
 * or only for a moment (yaml, which reads the config file and is let go: config/parse-yaml.ts).
 */
const EXTERNAL = ['better-sqlite3', 'esbuild', 'mqtt', 'cloudevents', 'pino-pretty', 'typescript', 'yaml'];

/**
 * Whether the build is missing, or older than a file of firstlight's it was made from (the
 * simulators' included), or one of them is gone, or older than the lockfile (a dependency changed).
 * A packed tarball's files all share one time: not stale.
 */
export function isStale() {
  try {
    const built = statSync(OUTPUT).mtimeMs;
    if (JSON.parse(readFileSync(INPUTS, 'utf8')).some((file) => statSync(join(ROOT, file)).mtimeMs > built)) return true;
    return statSync(join(ROOT, LOCKFILE), { throwIfNoEntry: false })?.mtimeMs > built;
  } catch {
    return true;
  }
}

/**
 * The dependencies' code goes into the build without comments and blank space: V8 keeps every
 * module's source text in memory, and theirs is most of it (~2 MB of idle RSS). firstlight's own
 * code keeps its lines, so that a stack trace stays readable.
 */
const compactDependencies = (esbuild) => ({
  name: 'compact-dependencies',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async ({ path }) => {
      const { code } = await esbuild.transform(readFileSync(path, 'utf8'), { minifyWhitespace: true, minifySyntax: true, loader: 'js', sourcefile: path });
      return { contents: code, loader: 'js' };
    });
  },
});

/**
 * zod's error messages in English only: its index of locales brings all ~50 languages into the build,
 * and a third of a megabyte of source into memory, that the gateway never sets (its messages are
 * English). A rule can still import a locale of its own from zod/v4/locales/<lang>.
 */
const englishOnlyZod = {
  name: 'english-only-zod',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";\n',
      loader: 'js',
    }));
  },
};

/**
 * readable-stream (a copy of Node's streams that bl, under mqtt-packet, pulls in) is Node's own
 * stream module here: the same classes, without a second copy of their code in memory.
 */
const nodeStreams = {
  name: 'node-streams',
  setup(build) {
    build.onResolve({ filter: /^readable-stream$/ }, () => ({ path: 'node:stream', external: true }));
  },
};

/** A module whose every use throws: for what only features firstlight does not use would load. */
const leftOut = (name, feature) => ({
  namespace: 'left-out',
  contents: [
    `const fail = () => { throw new Error(${JSON.stringify(`${name} (for ${feature}) is not in firstlight's build`)}); };`,
    'module.exports = new Proxy(function leftOut() {}, { get: fail, apply: fail, construct: fail });',
  ].join('\n'),
});

/**
 * Dependencies of dependencies replaced by source of firstlight's own, by the name they are required
 * as. Inside a substitute that name is the real module, left to node_modules.
 */
const SUBSTITUTES = {
  // debug (mqtt-packet logs through it, ~20 calls a packet) as a function that does nothing, unless
  // DEBUG is set when the gateway starts: then the real one. Even switched off, the real one's rest
  // parameter allocates an array on every call: ~2.7 KB of garbage per message at 1,000 messages a
  // second, and garbage is what makes the young-generation collections that stall the event loop.
  debug: {
    namespace: 'quiet-debug',
    contents: [
      'if (process.env.DEBUG) module.exports = require("debug");',
      'else {',
      '  const off = Object.assign(function debugOff() {}, { enabled: false, namespace: "", extend: () => off, log() {}, destroy() {} });',
      '  module.exports = Object.assign(() => off, { enable() {}, disable: () => "", enabled: () => false, names: [], skips: [], formatters: {} });',
      '}',
    ].join('\n'),
  },
  // prom-client reads the active trace for exemplars, which firstlight does not enable.
  '@opentelemetry/api': leftOut('@opentelemetry/api', 'prom-client exemplars'),
  // pino runs its transports in a worker thread; firstlight writes its log in its own thread.
  'thread-stream': leftOut('thread-stream', 'pino transports'),
};

const substitutes = {
  name: 'substitutes',
  setup(build) {
    const names = Object.keys(SUBSTITUTES).map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, ({ path, namespace }) =>
      namespace === SUBSTITUTES[path].namespace ? { path, external: true } : { path, namespace: SUBSTITUTES[path].namespace },
    );
    for (const namespace of new Set(Object.values(SUBSTITUTES).map((s) => s.namespace))) {
      build.onLoad({ filter: /.*/, namespace }, ({ path }) => ({ contents: SUBSTITUTES[path].contents, loader: 'js', resolveDir: ROOT }));
    }
  },
};

export async function build() {
  // The asynchronous API: esbuild runs as a child process, stopped below (ESBUILD_WORKER_THREADS
  // concerns only the synchronous one).
  const esbuild = createRequire(import.meta.url)('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(SOURCES, 'runtime.ts')],
    bundle: true,
    external: EXTERNAL,
    plugins: [englishOnlyZod, nodeStreams, substitutes, compactDependencies(esbuild)],
    // The bundled CommonJS dependencies call require() for Node's modules; an ES module has none.
    banner: { js: "import { createRequire as __firstlightRequire } from 'node:module'; const require = __firstlightRequire(import.meta.url);" },
    // The package itself, as the simulators import it: one copy of the SDK.
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
  });
  // Its child process would otherwise stay beside a gateway that has just built itself.
  await esbuild.stop();
  mkdirSync(DIST, { recursive: true });
  // The entry last: a gateway starting meanwhile reads the old build or the new one, whole.
  const files = result.outputFiles.sort((a, b) => Number(a.path === OUTPUT) - Number(b.path === OUTPUT));
  // esbuild names its inputs relative to the working directory. The dependencies change only through
  // npm, which rewrites the lockfile; stat-ing their ~700 files at every start would not be free.
  const inputs = Object.keys(result.metafile.inputs).map((f) => relative(ROOT, resolve(f))).filter((f) => !f.startsWith('..') && !f.split(sep).includes('node_modules'));
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
export async function ensureBuilt() {
  if (!isStale()) return OUTPUT;
  try {
    await build();
  } catch (err) {
    // An installed package may be read-only to the service's user: run the build that is there.
    if (!existsSync(OUTPUT)) throw new Error(`firstlight: the gateway's build is missing and cannot be made (${err.message}); run "npm run build" in ${ROOT}`);
    process.stderr.write(`firstlight: a source is newer than the build, which cannot be remade (${err.message}); running the build as it is\n`);
  }
  return OUTPUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
