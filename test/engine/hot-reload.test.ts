// Hot reload in a running gateway: a changed rule file takes effect without a restart, keeping the
// rule's pending timers; a broken one is refused with its file and line while the old version runs on.
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { configSchema } from '../../gateway/config/schema.ts';
import { ruleVersion } from '../../gateway/engine/rule-loader.ts';
import type { LoggedEvent } from '../../gateway/events/event.ts';
import { startGateway, type Gateway } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/logger.ts';
import { rulesProject, type RulesProject } from '../helpers/rules-project.ts';

/** A rule that answers a poke at once and again 10 minutes later, saying which version it is. */
const ticker = (version: string, name = 'ticker'): string => `import { defineRule, minutes } from 'firstlight';

export default defineRule({
  name: '${name}',
  on: {
    'test.poke'(event, ctx) {
      ctx.timers.set('ring', minutes(10));
      ctx.emit('test.poked', { by: '${version}' });
    },
  },
  timers: {
    ring(timer, ctx) {
      ctx.emit('test.rang', { by: '${version}' });
    },
  },
});
`;

let project: RulesProject;
let gateway: Gateway | undefined;
let clock: SimulatedClock;

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  project?.cleanup();
});

async function start(files: Record<string, string>): Promise<Gateway> {
  project = rulesProject();
  for (const [name, source] of Object.entries(files)) project.write(name, source);
  clock = new SimulatedClock();
  const config = configSchema.parse({ site: 'reload', data: project.data, rules: { dir: project.rules }, mqtt: { port: 0 }, http: { port: 0 } });
  gateway = await startGateway({ config, logger: createLogger({ level: 'silent', format: 'json' }), clock });
  return gateway;
}

/** Resolves with the first committed event that matches (subscribe before causing it). */
function next(gw: Gateway, match: (e: LoggedEvent) => boolean): Promise<LoggedEvent> {
  return new Promise((resolve) => {
    const off = gw.core.committer.onCommitted((events) => {
      const found = events.find(match);
      if (found) {
        off();
        resolve(found);
      }
    });
  });
}

const ofType = (type: string, rule?: string) => (e: LoggedEvent) => e.type === type && (rule === undefined || (e.data as { rule?: string }).rule === rule);

/** Edits a file and lets the debounce (on the simulated clock) run once the watcher noticed it. */
async function edit(gw: Gateway, name: string, source: string | null): Promise<void> {
  const noticed = new Promise<void>((resolve) => {
    const off = gw.ruleWatcher.onNoticed((file) => {
      if (file.endsWith(`/${name}`)) {
        off();
        resolve();
      }
    });
  });
  if (source === null) project.remove(name);
  else project.write(name, source);
  await noticed;
  await clock.advance(1000);
}

async function poke(gw: Gateway, id: string): Promise<LoggedEvent[]> {
  const { committer, events } = gw.core;
  const before = events.head();
  committer.submit({
    write: () => committer.append({ id, source: '/test', type: 'test.poke', time: new Date(clock.now()).toISOString(), partitionkey: 'hall', data: {} }),
  });
  await committer.settled();
  return events.after(before, 100);
}

const settle = (gw: Gateway) => () => gw.core.committer.settled();

describe('hot reload', () => {
  it('fires a timer set by the old version once, from the new version, when the rule is edited while it is pending', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const [, poked] = await poke(gw, 'p1');
    expect(poked).toMatchObject({ type: 'test.poked', data: { by: 'v1' }, ruleversion: ruleVersion(ticker('v1')) });

    const activated = next(gw, ofType('rule.activated', 'ticker'));
    await edit(gw, 'ticker.ts', ticker('v2'));
    expect((await activated).data).toMatchObject({ version: ruleVersion(ticker('v2')), previousVersion: ruleVersion(ticker('v1')) });

    await clock.advance(10 * 60_000, settle(gw));
    const rang = gw.core.events.query({ type: 'test.rang' });
    expect(rang).toHaveLength(1);
    expect(rang[0]).toMatchObject({ data: { by: 'v2' }, ruleversion: ruleVersion(ticker('v2')) });
    // The built-in rules are not touched by a reload of the user's.
    expect(gw.core.events.query({ type: 'rule.deactivated' })).toEqual([]);
  });

  it('refuses a file with a syntax error, naming the file and line, and keeps the old version running', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const rejected = next(gw, ofType('rule.rejected'));
    const broken = ticker('v2').replace("ctx.emit('test.poked'", 'ctx.emit(;');
    await edit(gw, 'ticker.ts', broken);
    const { data } = (await rejected) as LoggedEvent<'rule.rejected'>;
    expect(data.file).toBe(`${project.rules}/ticker.ts`);
    expect(data.rule).toBe('ticker');
    expect(data.error).toMatch(new RegExp(`^${project.rules}/ticker\\.ts:8:\\d+: `));

    const [, poked] = await poke(gw, 'p1');
    expect(poked).toMatchObject({ type: 'test.poked', data: { by: 'v1' }, ruleversion: ruleVersion(ticker('v1')) });
    expect(gw.core.events.query({ type: 'rule.activated' }).filter((e) => (e.data as { rule: string }).rule === 'ticker')).toHaveLength(1);
  });

  it('refuses a file that does not type-check, with the line of the type error', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const rejected = next(gw, ofType('rule.rejected'));
    await edit(gw, 'ticker.ts', ticker('v2').replace("ctx.emit('test.rang', { by: 'v2' })", "ctx.emit('room.entered', { room: 7 })"));
    const { data } = (await rejected) as LoggedEvent<'rule.rejected'>;
    expect(data.error).toMatch(/ticker\.ts:13:\d+: TS2322: Type 'number' is not assignable to type 'string'/);
    expect(gw.core.engine.stats().get('ticker')?.version).toBe(ruleVersion(ticker('v1')));
  });

  it('deactivates the rule of a removed file, and activates the rule of an added one', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const deactivated = next(gw, ofType('rule.deactivated', 'ticker'));
    await edit(gw, 'ticker.ts', null);
    expect((await deactivated).data).toEqual({ rule: 'ticker', version: ruleVersion(ticker('v1')) });
    expect(await poke(gw, 'p1')).toHaveLength(1); // the poke alone: nobody answers

    const activated = next(gw, ofType('rule.activated', 'tocker'));
    await edit(gw, 'tocker.ts', ticker('v1', 'tocker'));
    await activated;
    expect((await poke(gw, 'p2')).map((e) => e.type)).toEqual(['test.poke', 'test.poked']);
  });

  it('treats a rule renamed inside its file as the old name deactivated and the new one activated', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const deactivated = next(gw, ofType('rule.deactivated', 'ticker'));
    const activated = next(gw, ofType('rule.activated', 'bell'));
    await edit(gw, 'ticker.ts', ticker('v1', 'bell'));
    await Promise.all([deactivated, activated]);
    expect((await poke(gw, 'p1')).map((e) => e.source)).toEqual(['/test', '/sites/reload/rules/bell']);
  });

  it('refuses a second file that takes a name already in use', async () => {
    const gw = await start({ 'ticker.ts': ticker('v1') });
    const rejected = next(gw, ofType('rule.rejected'));
    await edit(gw, 'copy.ts', ticker('v2'));
    const { data } = (await rejected) as LoggedEvent<'rule.rejected'>;
    expect(data.error).toMatch(new RegExp(`copy\\.ts:3: rule name "ticker" is already used by ${project.rules}/ticker\\.ts`));
    const [, poked] = await poke(gw, 'p1');
    expect(poked!.data).toEqual({ by: 'v1' });
  });
});
