// Loads rule files (TypeScript, no build step: compile-modules.ts) from a directory, with a version
// hash of each file and its options validated against the rule's own schema.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FirstlightError } from '../errors.ts';
import type { RuleDefinition } from '../sdk/rule.ts';
import { compileModules, type CompiledModules } from './compile-modules.ts';
import type { LoadedRule } from './rule-engine.ts';

export interface RuleLoadResult {
  rules: (LoadedRule & { file: string })[];
  /** Files that could not be loaded, each with the reason. */
  errors: { file: string; error: string }[];
}

const RULE_FILE = /^[^._].*\.(ts|mts|js|mjs)$/;
const NOT_RULE = /\.(test|spec)\.[mc]?[jt]s$|\.d\.ts$/;

/** Whether a file name is a rule file (not a test, a declaration, or a hidden or editor file). */
export function isRuleFileName(name: string): boolean {
  return RULE_FILE.test(name) && !NOT_RULE.test(name);
}

/** The rule files in a directory, sorted by name (the order rules see an event in). */
export function listRuleFiles(dir: string): string[] {
  if (!existsSync(dir)) {
    throw new FirstlightError('FL_ERR_RULE_LOAD', `rules directory not found: ${dir}`, ['create it, or point --rules (or rules.dir in the config) at your rules']);
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && isRuleFileName(e.name))
    .map((e) => join(dir, e.name))
    .sort();
}

const compiled = new Map<string, Promise<CompiledModules>>();

/**
 * Compiles `files` once per content: an edited file compiles afresh (with what it imports), while an
 * unchanged set (another test, a reload of other files) comes from this cache. A set compiles into
 * one module, so the start-up rules share one SDK and one instance of each helper they import.
 */
export function importModules(files: readonly string[], versions = versionsOf(files)): Promise<CompiledModules> {
  const key = files.map((f) => `${f}@${versions.get(f) ?? 'missing'}`).join('\n');
  let set = compiled.get(key);
  if (!set) {
    set = compileModules(files);
    compiled.set(key, set);
    set.catch(() => compiled.delete(key));
  }
  return set;
}

/** A short content hash: the rule's version. */
export function ruleVersion(source: string | Buffer): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 12);
}

/** Each file's version, read once for both the compile cache and the loaded rule; none for a file that is gone. */
function versionsOf(files: readonly string[]): Map<string, string | undefined> {
  return new Map(files.map((f) => [f, existsSync(f) ? ruleVersion(readFileSync(f)) : undefined]));
}

/** Loads one rule file, compiled on its own (a reload: what it imports loads afresh if it changed). */
export async function loadRuleFile(file: string, options: Record<string, unknown>): Promise<LoadedRule & { file: string }> {
  const versions = versionsOf([file]);
  return checkRule(file, versions.get(file), await (await importModules([file], versions)).load(file), options);
}

/** Validates what a rule file exports: a named rule, and its options against its own schema. */
function checkRule(file: string, version: string | undefined, exports: unknown, options: Record<string, unknown>): LoadedRule & { file: string } {
  if (version === undefined) throw new Error(`${file} is gone`);
  const mod = exports as { default?: unknown };
  const definition = mod.default as RuleDefinition | undefined;
  if (!definition || typeof definition !== 'object' || typeof definition.name !== 'string' || (typeof definition.on !== 'object' && definition.triggers === undefined)) {
    throw new Error('does not default-export defineRule({ name, on: { ... } }) (or with triggers: [...])');
  }
  if (!/^[a-z0-9][a-z0-9-]*$/.test(definition.name)) throw new Error(`rule name "${definition.name}" must be kebab-case (a-z, 0-9, -)`);
  let ruleOptions: unknown = options[definition.name] ?? {};
  if (definition.options) {
    const parsed = definition.options.safeParse(ruleOptions);
    if (!parsed.success) {
      throw new Error(
        `invalid options (rules.options.${definition.name}): ${parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(options)'}: ${i.message}`).join('; ')}`,
      );
    }
    ruleOptions = parsed.data;
  }
  return { definition, version, options: ruleOptions, file };
}

/** Loads every rule in `dir`. A file that fails is reported, not fatal: the other rules run. */
export async function loadRules(dir: string, options: Record<string, unknown>): Promise<RuleLoadResult> {
  const result: RuleLoadResult = { rules: [], errors: [] };
  const names = new Map<string, string>();
  const files = listRuleFiles(dir);
  const versions = versionsOf(files);
  const set = await importModules(files, versions);
  for (const file of files) {
    try {
      const rule = checkRule(file, versions.get(file), await set.load(file), options);
      const other = names.get(rule.definition.name);
      if (other) throw new Error(`rule name "${rule.definition.name}" is already used by ${other}`);
      names.set(rule.definition.name, file);
      result.rules.push(rule);
    } catch (err) {
      result.errors.push({ file, error: (err as Error).message });
    }
  }
  return result;
}
