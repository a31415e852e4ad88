// The rule watcher on its own, over the test kit's core: judged on syntax alone when typescript is
// absent, debounced on the injected clock, and refusals at start recorded like those of a reload.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../gateway/engine/rule-loader.ts';
import { startRuleWatcher, type RuleWatcher } from '../../gateway/engine/rule-watcher.ts';
import type { LoggedEvent } from '../../gateway/events/event.ts';
import { createTestGateway, type TestGateway } from '../../gateway/sdk/testing.ts';
import { rulesProject, type RulesProject } from '../helpers/rules-project.ts';

const rule = (name: string, body = "ctx.emit('test.seen', {})") => `import { defineRule } from 'firstlight';

export default defineRule({
  name: '${name}',
  on: {
    'test.poke'(event, ctx) {
      ${body};
    },
  },
});
`;

let project: RulesProject;
let gw: TestGateway;
let watcher: RuleWatcher;
const logs: string[] = [];

afterEach(async () => {
  await watcher?.stop();
  await gw?.close();
  project?.cleanup();
  logs.length = 0;
});

async function start(files: Record<string, string>): Promise<void> {
  project = rulesProject();
  for (const [name, source] of Object.entries(files)) project.write(name, source);
  const { rules, errors } = await loadRules(project.rules, {});
  gw = await createTestGateway({ rules: [] });
  gw.core.engine.setRules(rules);
  await gw.core.committer.settled();
  const log = { info() {}, warn: (m: string) => void logs.push(m), error: (m: string) => void logs.push(m) };
  watcher = await startRuleWatcher({
    dir: project.rules,
    options: {},
    fixed: [],
    loaded: rules,
    failed: errors,
    engine: gw.core.engine,
    committer: gw.core.committer,
    clock: gw.clock,
    sourceBase: '/sites/test',
    log,
    debounceMs: 500,
  });
}

function next(type: string): Promise<LoggedEvent> {
  return new Promise((resolve) => {
    const off = gw.core.committer.onCommitted((events) => {
      const found = events.find((e) => e.type === type);
      if (found) {
        off();
        resolve(found);
      }
    });
  });
}

const noticed = (name: string) =>
  new Promise<void>((resolve) => {
    const off = watcher.onNoticed((file) => file.endsWith(`/${name}`) && (off(), resolve()));
  });

describe('rule watcher', () => {
  it('without typescript, refuses a syntax error with the file and line esbuild reports, and says once that it checks syntax only', async () => {
    await start({ 'a.ts': rule('a') });
    expect(logs.filter((l) => l.startsWith('typescript is not installed'))).toHaveLength(1);
    const rejected = next('rule.rejected');
    const seen = noticed('a.ts');
    project.write('a.ts', rule('a', 'const x = ;'));
    await seen;
    await gw.advance(500);
    const { data } = (await rejected) as LoggedEvent<'rule.rejected'>;
    expect(data).toEqual({ file: join(project.rules, 'a.ts'), rule: 'a', error: `${join(project.rules, 'a.ts')}:7:17: Unexpected ";"` });
  });

  it('reloads a file only once it has been quiet for the debounce time', async () => {
    await start({ 'a.ts': rule('a') });
    let activations = 0;
    gw.core.committer.onCommitted((events) => (activations += events.filter((e) => e.type === 'rule.activated').length));
    const seen = noticed('a.ts');
    project.write('a.ts', rule('a', "ctx.emit('test.seen', { v: 2 })"));
    await seen;
    await gw.advance(499);
    // Nothing reloads before the file has been quiet for 500 ms of the watcher's clock.
    await gw.core.committer.settled();
    expect(activations).toBe(0);
    const activated = next('rule.activated');
    await gw.advance(1);
    await activated;
    expect(activations).toBe(1);
  });

  it('records the files that failed to load at start as rule.rejected, with their line', async () => {
    project = rulesProject();
    writeFileSync(join(project.rules, 'bad.ts'), 'export default { name: "Bad Name", on: {} };\n');
    const { rules, errors } = await loadRules(project.rules, {});
    gw = await createTestGateway({ rules: [] });
    const log = { info() {}, warn() {}, error() {} };
    const rejected = next('rule.rejected');
    watcher = await startRuleWatcher({
      dir: project.rules,
      options: {},
      fixed: [],
      loaded: rules,
      failed: errors,
      engine: gw.core.engine,
      committer: gw.core.committer,
      clock: gw.clock,
      sourceBase: '/sites/test',
      log,
    });
    expect(((await rejected).data as { error: string }).error).toBe(
      `${join(project.rules, 'bad.ts')}:1: rule name "Bad Name" must be kebab-case (a-z, 0-9, -)`,
    );
  });
});
