// The gateway runs from its build (dist/): made again when one of firstlight's own files or the
// lockfile is newer, never for a dependency's file, and runnable with its bundled dependencies.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/gateway-process.ts';

const PACKAGE = new URL('../..', import.meta.url).pathname;
const copy = tempDir('firstlight-build-');
let buildModule: { build(): Promise<void>; isStale(): boolean; OUTPUT: string };

/** A second, whole package: the test builds and ages its files, not the ones other tests run. */
beforeAll(async () => {
  for (const part of ['gateway', 'simulators', 'devices', 'package.json', 'tsconfig.json']) cpSync(join(PACKAGE, part), join(copy.path, part), { recursive: true });
  symlinkSync(join(PACKAGE, 'node_modules'), join(copy.path, 'node_modules'));
  buildModule = await import(pathToFileURL(join(copy.path, 'gateway', 'build.js')).href);
  await buildModule.build();
});
afterAll(() => copy.remove());

/**
 * Marks a file as changed just after the build was made. Not "now": file times come from the
 * kernel's coarse clock, and a file written within the same tick as the build would look as old.
 */
const touch = (file: string): void => {
  const after = new Date(statSync(buildModule.OUTPUT).mtimeMs + 1);
  utimesSync(file, after, after);
};

describe('the build', () => {
  it('lists firstlight\'s own files as its inputs, not the bundled dependencies\'', () => {
    const inputs = JSON.parse(readFileSync(join(copy.path, 'dist', 'inputs.json'), 'utf8')) as string[];
    expect(inputs).toContain(join('gateway', 'runtime.ts'));
    expect(inputs).toContain(join('gateway', 'log', 'committer.ts'));
    expect(inputs.filter((f) => f.includes('node_modules') || f.startsWith('..'))).toEqual([]);
  });

  it('bundles the dependencies it loads at start, and leaves native and lazily loaded ones out', () => {
    const dist = join(copy.path, 'dist');
    const code = readdirSync(dist).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
    expect(code).not.toMatch(/from ["'](aedes|zod|pino|prom-client)["']/);
    expect(code).toMatch(/from ["']better-sqlite3["']/);
    // yaml reads the config and is let go (config/parse-yaml.ts): required at run time, not bundled.
    expect(code).not.toMatch(/\/\/ node_modules\/yaml\//);
    // zod's locales but English, and a second copy of Node's streams, stay out of memory.
    expect(code).not.toMatch(/\/\/ node_modules\/zod\/v4\/locales\/(?!en\.js|index\.js)/);
    expect(code).toMatch(/\/\/ node_modules\/zod\/v4\/locales\/en\.js/);
    expect(code).not.toMatch(/\/\/ node_modules\/readable-stream\//);
    // debug is a function that does nothing unless DEBUG is set (the real one is required then).
    expect(code).not.toMatch(/\/\/ node_modules\/debug\//);
    expect(code).toContain('// quiet-debug:debug');
    // What features firstlight does not use would load: a module that throws if it is ever used.
    expect(code).not.toMatch(/\/\/ node_modules\/(@opentelemetry\/api|thread-stream)\//);
    expect(code).toContain("@opentelemetry/api (for prom-client exemplars) is not in firstlight's build");
    expect(code).toContain("thread-stream (for pino transports) is not in firstlight's build");
  });

  it('keeps each command in a chunk of its own, loaded when that command runs', () => {
    const dist = join(copy.path, 'dist');
    const entry = readFileSync(join(dist, 'firstlight.js'), 'utf8');
    for (const command of ['runStart', 'runDoctorCommand', 'runReplay', 'runInit', 'runWhy', 'runBackup']) {
      expect(entry).not.toContain(`function ${command}(`);
      const chunks = readdirSync(dist).filter((f) => f.endsWith('.js') && readFileSync(join(dist, f), 'utf8').includes(`function ${command}(`));
      expect(chunks, command).toHaveLength(1);
    }
  });

  it('is stale once a source of the gateway is newer, and fresh again after a build', async () => {
    // The copy has no lockfile, as an installed package has none: that alone does not make it stale.
    expect(buildModule.isStale()).toBe(false);
    touch(join(copy.path, 'gateway', 'log', 'committer.ts'));
    expect(buildModule.isStale()).toBe(true);
    await buildModule.build();
    expect(buildModule.isStale()).toBe(false);
  });

  it('is stale once the lockfile is newer (npm changed a dependency)', async () => {
    const lockfile = join(copy.path, 'package-lock.json');
    writeFileSync(lockfile, '{}');
    touch(lockfile);
    expect(buildModule.isStale()).toBe(true);
    await buildModule.build();
    expect(buildModule.isStale()).toBe(false);
  });

  it('runs: the command line starts from the build and answers', () => {
    const out = execFileSync(process.execPath, [join(copy.path, 'gateway', 'cli', 'bin.js'), 'version'], { encoding: 'utf8' });
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')).version);
  });
});
