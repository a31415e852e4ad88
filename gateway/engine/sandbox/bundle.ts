// Bundles the isolated rule files with the worker's runtime into one ES module, so the worker needs no
// TypeScript loader of its own (which would cost it another V8 isolate's worth of memory).
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

const runtime = fileURLToPath(new URL('./worker-runtime.ts', import.meta.url));

/** The module's source; each rule is imported lazily so that one that throws at load is named alone. */
export function bundleRules(files: readonly string[]): string {
  const loaders = files.map((f) => `() => import(${JSON.stringify(f)})`).join(',\n  ');
  const result = buildSync({
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
    // Handler stack traces keep the rule file's own line numbers.
    sourcemap: 'inline',
    sourcesContent: false,
  });
  return result.outputFiles[0]!.text;
}
