// Hot reload: watches the rules directory and swaps a changed rule in without a restart. A file that
// fails to load or type-check is refused (a rule.rejected event naming the file and line) and the
// version that was running keeps running.
import { watch } from 'chokidar';
import { readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Cancel, Clock } from '../clock.ts';
import { newEventId } from '../events/ids.ts';
import type { Committer } from '../log/committer.ts';
import type { LogSink } from '../logger.ts';
import type { LoadedRule, RuleEngine } from './rule-engine.ts';
import { isRuleFileName, listRuleFiles, loadRuleFile, ruleVersion } from './rule-loader.ts';
import { formatProblem, formatProblems, problemOf } from './rule-problem.ts';
import type { RuleTypeChecker } from './rule-type-check.ts';

type FileRule = LoadedRule & { file: string };

export interface RuleWatcherDeps {
  dir: string;
  /** `rules.options` of the config. */
  options: Record<string, unknown>;
  /** Rules that are not files of `dir` (the built-in ones): they stay in every list given to the engine. */
  fixed: LoadedRule[];
  /** What was loaded from `dir` at start. */
  loaded: FileRule[];
  /** Files that failed to load at start: recorded as rule.rejected, and not retried until they change. */
  failed: { file: string; error: string }[];
  engine: Pick<RuleEngine, 'setRules'>;
  committer: Committer;
  clock: Clock;
  sourceBase: string;
  log: LogSink;
  /** Absent when the `typescript` package is not installed: files are then judged on syntax alone. */
  typeChecker?: RuleTypeChecker | undefined;
  /** How long a file must be quiet before it is reloaded (editors save in several steps). Default 200 ms. */
  debounceMs?: number;
}

export interface RuleWatcher {
  /** Calls `fn` when a change to a rule file is noticed (before the debounce); returns its undo. */
  onNoticed(fn: (file: string) => void): () => void;
  /** Stops watching; waits for a reload in progress to finish. */
  stop(): Promise<void>;
}

/** Starts watching; resolves once changes made from now on will be seen. */
export async function startRuleWatcher(deps: RuleWatcherDeps): Promise<RuleWatcher> {
  const { dir, committer, clock, log } = deps;
  const debounceMs = deps.debounceMs ?? 200;
  const running = new Map<string, FileRule>(deps.loaded.map((r) => [r.file, r]));
  // The version of each file last refused, so that saving it again unchanged is not refused twice.
  const refused = new Map<string, string>();
  const debounces = new Map<string, Cancel>();
  const queued = new Set<string>();
  const noticed = new Set<(file: string) => void>();
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const versionOf = (file: string): string | undefined => {
    try {
      return ruleVersion(readFileSync(file));
    } catch {
      return undefined;
    }
  };

  for (const f of deps.failed) {
    const version = versionOf(f.file);
    if (version) refused.set(f.file, version);
    // loadRules gives the loader's raw message; put it in the same file:line form as a reload's.
    await reject(f.file, formatProblem(f.file, problemOf(resolve(f.file), new Error(f.error), readSource(f.file))), undefined, version);
  }
  if (!deps.typeChecker) log.warn('typescript is not installed: changed rule files are checked for syntax only', { hint: 'npm install typescript' });

  function notice(file: string): void {
    if (stopped) return;
    for (const fn of noticed) fn(file);
    debounces.get(file)?.();
    debounces.set(
      file,
      clock.setTimeout(() => {
        debounces.delete(file);
        enqueue(file);
      }, debounceMs),
    );
  }

  // One reload at a time, in the order the files settled: each sees the rules the previous one left.
  function enqueue(file: string): void {
    if (queued.has(file)) return;
    queued.add(file);
    chain = chain.then(async () => {
      queued.delete(file);
      if (stopped) return;
      try {
        await reload(file);
      } catch (err) {
        log.error('rule reload failed', { file, error: err instanceof Error ? err.message : String(err) });
      }
    });
  }

  async function reload(file: string): Promise<void> {
    const previous = running.get(file);
    const version = versionOf(file);
    if (version === undefined) {
      refused.delete(file);
      if (!previous) return;
      running.delete(file);
      await apply();
      log.info('rule removed', { file, rule: previous.definition.name });
      return;
    }
    if (previous?.version === version || refused.get(file) === version) return;

    const checked = deps.typeChecker ? await deps.typeChecker.check(resolve(file)) : { kind: 'ok' as const };
    if (stopped) return;
    if (checked.kind === 'problems') return reject(file, formatProblems(file, checked.problems), previous?.definition.name, version);
    if (checked.kind === 'unchecked') log.warn('rule file not type-checked: judged on syntax alone', { file, reason: checked.reason });

    let loaded: FileRule;
    try {
      loaded = await loadRuleFile(file, deps.options);
    } catch (err) {
      const source = readSource(file);
      return reject(file, formatProblem(file, problemOf(resolve(file), err, source)), previous?.definition.name, version);
    }
    // Changed again since it was checked: the change that is on its way reloads it.
    if (loaded.version !== version || stopped) return;
    const name = loaded.definition.name;
    const other = [...running.values()].find((r) => r.file !== file && r.definition.name === name) ?? deps.fixed.find((r) => r.definition.name === name);
    if (other) {
      const problem = problemOf(resolve(file), new Error(`rule name "${name}" is already used by ${other.file ?? 'a built-in rule'}`), readSource(file));
      return reject(file, formatProblem(file, problem), previous?.definition.name ?? name, version);
    }
    running.set(file, loaded);
    refused.delete(file);
    await apply();
    log.info(previous ? 'rule reloaded' : 'rule added', {
      file,
      rule: `${name}@${version}`,
      ...(previous ? { previous: `${previous.definition.name}@${previous.version}` } : {}),
    });
  }

  // Between transactions: setRules only submits a unit (the activations), which then commits.
  async function apply(): Promise<void> {
    await committer.settled();
    const files = [...running.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    deps.engine.setRules([...deps.fixed, ...files]);
    await committer.settled();
  }

  async function reject(file: string, error: string, rule: string | undefined, version: string | undefined): Promise<void> {
    if (version) refused.set(file, version);
    log.error('rule file rejected', { file, error, ...(rule ? { rule, running: 'the previous version keeps running' } : {}) });
    const now = clock.now();
    committer.submit({
      write: () =>
        committer.append({
          id: newEventId(now),
          source: `${deps.sourceBase}/rules`,
          type: 'rule.rejected',
          time: new Date(now).toISOString(),
          data: rule ? { file, error, rule } : { file, error },
        }),
    });
    await committer.settled();
  }

  const watcher = watch(dir, {
    ignoreInitial: true,
    depth: 0,
    ignored: (path, stats) => stats?.isFile() === true && !isRuleFileName(basename(path)),
  });
  const key = (path: string): string => join(dir, basename(path));
  for (const event of ['add', 'change', 'unlink'] as const) {
    watcher.on(event, (path: string) => {
      if (isRuleFileName(basename(path))) notice(key(path));
    });
  }
  watcher.on('error', (err) => log.warn('watching the rules directory failed', { dir, error: err instanceof Error ? err.message : String(err) }));
  await new Promise<void>((ready) => watcher.once('ready', ready));

  // What changed between the load at start and the watch starting.
  const present = new Set(listRuleFiles(dir));
  for (const file of present) {
    const version = versionOf(file);
    if (version !== running.get(file)?.version && version !== refused.get(file)) notice(file);
  }
  for (const file of running.keys()) if (!present.has(file)) notice(file);

  return {
    onNoticed(fn) {
      noticed.add(fn);
      return () => noticed.delete(fn);
    },
    async stop() {
      stopped = true;
      for (const cancel of debounces.values()) cancel();
      debounces.clear();
      deps.typeChecker?.stop();
      await watcher.close();
      await chain;
    },
  };
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
