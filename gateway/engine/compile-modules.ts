// Compiles rule and device files (TypeScript) with esbuild and imports the result, so that the gateway
// needs no TypeScript loader while it runs: on Node 20 a module.register loader (tsx's) runs on a
// thread of its own, ~40 MB of memory that a Raspberry Pi does not have to spare.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { BuildFailure, Message } from 'esbuild';
import { packagePath } from '../package-root.ts';
import { withEsbuild } from './esbuild.ts';

let sdkUrl: string | undefined;

/**
 * Compiled files import 'firstlight' from `url` (the gateway's own build), sharing its SDK and zod.
 * Without it (the gateway running from its sources, as under a test runner) each compiled set
 * carries a copy of the SDK.
 */
export function useSdkFrom(url: string): void {
  sdkUrl = url;
}

/** Compiled modules, each run (its top-level code) when first loaded. */
export interface CompiledModules {
  /** The file's exports; rejects with why the file did not compile, or what its top-level code threw. */
  load(file: string): Promise<unknown>;
}

/**
 * Compiles `files` into one module, so that a helper two of them import is one instance, as it would
 * be with a loader. A file that does not compile is compiled alone to tell its errors from the others'.
 */
export async function compileModules(files: readonly string[]): Promise<CompiledModules> {
  const failures = new Map<string, Error>();
  let compiled: string[] = [...files];
  const text = withEsbuild((esbuild): string | undefined => {
    try {
      return compile(esbuild, compiled);
    } catch {
      compiled = [];
      for (const file of files) {
        try {
          compile(esbuild, [file]);
          compiled.push(file);
        } catch (alone) {
          failures.set(file, compileError(alone));
        }
      }
      return compiled.length > 0 ? compile(esbuild, compiled) : undefined;
    }
  });
  const loaders = text === undefined ? [] : ((await importText(text)) as { default: (() => Promise<unknown>)[] }).default;
  return {
    load(file) {
      const failure = failures.get(file);
      if (failure) return Promise.reject(failure);
      const i = compiled.indexOf(file);
      if (i < 0) return Promise.reject(new Error(`${file} was not compiled`));
      return loaders[i]!();
    },
  };
}

const MODULE_FILE = 'firstlight-compiled-modules.js';
// The compiled module's imports of 'firstlight' exactly, pointed at the build. Not esbuild's `alias`:
// it would rewrite 'firstlight/testing' too, into a path that does not exist; and the synchronous
// API takes no plugins.
const SDK_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*)"firstlight"/g;

function compile(esbuild: typeof import('esbuild'), files: readonly string[]): string {
  const result = esbuild.buildSync({
    stdin: {
      // Each file is imported lazily, so that one whose top-level code throws fails alone.
      contents: `export default [\n${files.map((f) => `  () => import(${JSON.stringify(resolve(f))}),`).join('\n')}\n];\n`,
      sourcefile: 'firstlight-compiled-modules.js',
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    // A sibling of the directory importText writes to: the source map's paths are relative to it.
    outfile: join(tmpdir(), 'firstlight-compiled', MODULE_FILE),
    external: sdkUrl === undefined ? [] : ['firstlight'],
    // Stack traces name the rule's own file and line (process.setSourceMapsEnabled, below).
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]!.text;
  return sdkUrl === undefined ? text : text.replace(SDK_IMPORT, (_, lead: string) => `${lead}${JSON.stringify(sdkUrl)}`);
}

/** "file:line:col: ERROR: message", the form rule-problem.ts finds the line in. */
function compileError(err: unknown): Error {
  const messages = (err as Partial<BuildFailure>).errors;
  if (!messages || messages.length === 0) return err instanceof Error ? err : new Error(String(err));
  return new Error(messages.map(describe).join('\n'));
}

function describe(m: Message): string {
  if (!m.location) return m.text;
  return `${resolve(m.location.file)}:${m.location.line}:${m.location.column}: ERROR: ${m.text}`;
}

// Compiled modules load through Node itself, under a test runner as in the gateway.
const nativeImport = createRequire(import.meta.url)(packagePath('gateway/engine/native-import.cjs')) as (url: string) => Promise<unknown>;

/** Imports module text through a file that is gone again once Node has read it. */
async function importText(text: string): Promise<unknown> {
  process.setSourceMapsEnabled(true);
  const dir = mkdtempSync(join(tmpdir(), 'firstlight-'));
  const file = join(dir, MODULE_FILE);
  try {
    writeFileSync(file, text);
    return await nativeImport(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
