// Rule files compiled with esbuild at load (no TypeScript loader in the gateway): the start-up set
// shares the helpers it imports, a file that does not compile or throws at load fails alone and is
// named with its line, and the compiled module leaves nothing behind in the temporary directory.
import { afterEach, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importModules, loadRules } from '../../gateway/engine/rule-loader.ts';
import { problemOf } from '../../gateway/engine/rule-problem.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO } from '../helpers/gateway-process.ts';
import { rulesProject, type RulesProject } from '../helpers/rules-project.ts';

let project: RulesProject | undefined;
afterEach(() => project?.cleanup());

const counterRule = (name: string) => `import { defineRule } from 'firstlight';
import { next } from './helpers/counter.ts';

export default defineRule({ name: '${name}', on: {}, description: String(next()) });
`;

it('loads the start-up rules into one module: a helper two rules import is one instance', async () => {
  project = rulesProject();
  project.write('a.ts', counterRule('a'));
  project.write('b.ts', counterRule('b'));
  mkdirSync(join(project.rules, 'helpers'));
  writeFileSync(join(project.rules, 'helpers', 'counter.ts'), 'let n = 0;\nexport const next = (): number => ++n;\n');

  const { rules, errors } = await loadRules(project.rules, {});

  expect(errors).toEqual([]);
  // One counter, counted up by both: 1 for the first file, 2 for the second.
  expect(rules.map((r) => [r.definition.name, r.definition.description])).toEqual([
    ['a', '1'],
    ['b', '2'],
  ]);
});

it('fails a file that does not compile, or throws at load, alone, with its file and line', async () => {
  project = rulesProject();
  project.write('good.ts', "import { defineRule } from 'firstlight';\nexport default defineRule({ name: 'good', on: {} });\n");
  const broken = project.write('broken.ts', "import { defineRule } from 'firstlight';\nconst x = ;\nexport default defineRule({ name: 'broken', on: {} });\n");
  const throwing = project.write('throwing.ts', "import { defineRule } from 'firstlight';\n\nthrow new Error('no config for the hall');\nexport default defineRule({ name: 'throwing', on: {} });\n");

  const { rules, errors } = await loadRules(project.rules, {});

  expect(rules.map((r) => r.definition.name)).toEqual(['good']);
  const problems = Object.fromEntries(errors.map((e) => [e.file, problemOf(e.file, new Error(e.error))]));
  expect(problems[broken]).toMatchObject({ line: 2, column: 11, message: 'Unexpected ";"' });
  expect(errors.find((e) => e.file === throwing)?.error).toBe('no config for the hall');
  // Loaded again (another gateway in this process, the same files): the same reasons.
  const again = await loadRules(project.rules, {});
  expect(again.errors).toEqual(errors);
});

// Through the compiled module's source map.
it('names the line of a rule file in the stack of an error its top-level code throws', async () => {
  project = rulesProject();
  const file = project.write('throwing.ts', "import { defineRule } from 'firstlight';\n\nconst hall: string = 'hall';\nthrow new Error(`no config for the ${hall}`);\nexport default defineRule({ name: 'throwing', on: {} });\n");

  // The test runner formats stacks with its own Error.prepareStackTrace; the gateway runs with Node's.
  const runners = Error.prepareStackTrace;
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  let problem;
  try {
    const err = await (await importModules([file])).load(file).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    problem = problemOf(file, err);
  } finally {
    Error.prepareStackTrace = runners;
  }

  expect(problem).toMatchObject({ line: 4, message: 'Error: no config for the hall' });
});

it('leaves no compiled module behind in the temporary directory', async () => {
  project = rulesProject();
  project.write('only.ts', "import { defineRule } from 'firstlight';\nexport default defineRule({ name: 'only', on: {} });\n");
  // A temporary directory of this test's own (os.tmpdir() reads TMPDIR at each call).
  const own = mkdtempSync(join(tmpdir(), 'firstlight-compile-test-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = own;
  try {
    const { rules } = await loadRules(project.rules, {});
    expect(rules.map((r) => r.definition.name)).toEqual(['only']);
    expect(readdirSync(own)).toEqual([]);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(own, { recursive: true, force: true });
  }
});

// The fault harness and the in-process benches run the gateway's sources with --import tsx, which has
// loaded esbuild (with its synchronous API on a worker thread) before the gateway asks for it.
it('compiles in a process run with --import tsx, where tsx loaded esbuild first', async () => {
  project = rulesProject();
  project.write('only.ts', "import { defineRule } from 'firstlight';\nexport default defineRule({ name: 'only', on: {} });\n");
  const script = join(project.root, 'load.mts');
  writeFileSync(
    script,
    `import { loadRules } from ${JSON.stringify(join(REPO, 'gateway/engine/rule-loader.ts'))};\n` +
      `const { rules } = await loadRules(${JSON.stringify(project.rules)}, {});\n` +
      'console.log(rules.map((r) => r.definition.name).join());\n',
  );

  // Without the setting that makes esbuild's synchronous API run as a child process: it is what the
  // gateway must get right itself. (The timeout ends a deadlocked child; the test then fails.)
  const { ESBUILD_WORKER_THREADS: _, ...env } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: REPO, env, timeout: 20_000 });

  expect(stdout.trim()).toBe('only');
});
