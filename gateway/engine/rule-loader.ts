// Loads rule files (TypeScript, no build step) from a directory, with a version hash of each file
// and its options validated against the rule's own schema.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register, tsImport, type NamespacedUnregister } from 'tsx/esm/api';
import { FirstlightError } from '../errors.ts';
import type { RuleDefinition } from '../sdk/rule.ts';
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

const modules = new Map<string, Promise<unknown>>();
let shared: NamespacedUnregister | undefined;

/**
 * Imports a TypeScript module once per URL. The version in a rule's URL makes an edited file load
 * afresh, while an unchanged one (another test, a reload of other files) comes from this cache.
 *
 * `fresh`: in a tsx namespace of its own, so everything it imports loads afresh too (a reloaded rule
 * sees its edited helper files). Otherwise in one namespace shared by the start-up loads: each
 * namespace holds its own copy of every module, zod and the SDK included, and one per rule and
 * adapter cost ~20 MB of heap with the five shipped rules (bench:footprint, docs/raspberry-pi.md).
 */
export function importTs(url: string, fresh = false): Promise<unknown> {
  const key = `${fresh ? 'fresh' : 'shared'} ${url}`;
  let mod = modules.get(key);
  if (!mod) {
    if (fresh) mod = tsImport(url, import.meta.url);
    else {
      shared ??= register({ namespace: 'firstlight' });
      mod = shared.import(url, import.meta.url);
    }
    modules.set(key, mod);
    mod.catch(() => modules.delete(key));
  }
  return mod;
}

/** A short content hash: the rule's version. */
export function ruleVersion(source: string | Buffer): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 12);
}

/** `fresh` (the default, for reloads): see importTs; loadRules loads the start-up set in the shared namespace. */
export async function loadRuleFile(file: string, options: Record<string, unknown>, fresh = true): Promise<LoadedRule & { file: string }> {
  const source = readFileSync(file);
  const version = ruleVersion(source);
  const mod = (await importTs(`${pathToFileURL(file).href}?v=${version}`, fresh)) as { default?: unknown };
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
  for (const file of listRuleFiles(dir)) {
    try {
      const rule = await loadRuleFile(file, options, false);
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
