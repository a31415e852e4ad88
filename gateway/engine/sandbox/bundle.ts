// Bundles the isolated rule files with the worker's runtime into one ES module, so the worker needs no
// TypeScript loader of its own (which would cost it another V8 isolate's worth of memory).
import { packagePath } from '../../package-root.ts';
import { withEsbuild } from '../esbuild.ts';

const runtime = packagePath('gateway/engine/sandbox/worker-runtime.ts');

/** The module's source; each rule is imported lazily so that one that throws at load is named alone. */
export function bundleRules(files: readonly string[]): string {
  const loaders = files.map((f) => `() => import(${JSON.stringify(f)})`).join(',\n  ');
  // Loaded for this bundle only: a gateway whose rules all run inline never pays for esbuild.
  const result = withEsbuild((esbuild) => esbuild.buildSync({
    stdin: {
      contents: `import { serve } from ${JSON.stringify(runtime)};\nserve([\n  ${loaders}\n]);\n`,
      sourcefile: 'firstlight-rule-worker.ts',
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // Minified, and without a source map: the worker then costs ~18 MB instead of ~23 (and ~77 with
    // an inline map). Failures are recorded by their message, which minifying leaves alone.
    minify: true,
  }));
  return result.outputFiles[0]!.text;
}
