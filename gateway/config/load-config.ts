// Builds the config from defaults, a YAML/JSON file, FIRSTLIGHT_* variables and flags (in that
// order of precedence, flags last), validated once and frozen.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseYaml } from './parse-yaml.ts';
import { FirstlightError } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

/** Overrides from flags or the environment, by config path. */
export interface ConfigOverrides {
  config?: string | undefined;
  site?: string | undefined;
  mqttHost?: string | undefined;
  mqttPort?: string | undefined;
  httpHost?: string | undefined;
  httpPort?: string | undefined;
  httpTokenHash?: string | undefined;
  data?: string | undefined;
  rules?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  broker?: string | undefined;
  brokerUsername?: string | undefined;
  brokerPassword?: string | undefined;
  uplink?: string | undefined;
  uplinkUsername?: string | undefined;
  uplinkPassword?: string | undefined;
}

const overridePaths: Record<Exclude<keyof ConfigOverrides, 'config'>, { path: string[]; number?: true; dir?: true }> = {
  site: { path: ['site'] },
  mqttHost: { path: ['mqtt', 'host'] },
  mqttPort: { path: ['mqtt', 'port'], number: true },
  httpHost: { path: ['http', 'host'] },
  httpPort: { path: ['http', 'port'], number: true },
  httpTokenHash: { path: ['http', 'tokenHash'] },
  data: { path: ['data'], dir: true },
  rules: { path: ['rules', 'dir'], dir: true },
  logLevel: { path: ['log', 'level'] },
  logFormat: { path: ['log', 'format'] },
  // Passwords have no flag (a command line is visible to every user of the machine): use the variable.
  broker: { path: ['broker', 'url'] },
  brokerUsername: { path: ['broker', 'username'] },
  brokerPassword: { path: ['broker', 'password'] },
  uplink: { path: ['uplink', 'url'] },
  uplinkUsername: { path: ['uplink', 'username'] },
  uplinkPassword: { path: ['uplink', 'password'] },
};

/** FIRSTLIGHT_MQTT_PORT -> mqttPort, and so on. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const out: ConfigOverrides = {};
  for (const key of [...Object.keys(overridePaths), 'config'] as (keyof ConfigOverrides)[]) {
    const name = 'FIRSTLIGHT_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
    if (env[name] !== undefined && env[name] !== '') out[key] = env[name];
  }
  return out;
}

export const DEFAULT_CONFIG_FILE = 'firstlight.yaml';

/**
 * Loads the config. `flags` win over `env`, which wins over the file. Without `config` in either,
 * ./firstlight.yaml is read if it exists. Throws FirstlightError with one detail line per problem.
 */
export function loadConfig(flags: ConfigOverrides, env: ConfigOverrides = {}, cwd = process.cwd()): Config {
  const explicit = flags.config ?? env.config;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, DEFAULT_CONFIG_FILE);
  let raw: Record<string, unknown> = {};
  if (existsSync(file)) raw = readConfigFile(file);
  else if (explicit) throw new FirstlightError('FL_ERR_CONFIG_NOT_FOUND', `config file not found: ${file}`, ['create it, or leave out --config to run with the defaults']);

  // Paths in a file are relative to the file, so a config works from any working directory.
  const base = existsSync(file) ? dirname(file) : cwd;
  if (typeof raw.data === 'string' && !isAbsolute(raw.data)) raw.data = resolve(base, raw.data);
  const rules = raw.rules as Record<string, unknown> | undefined;
  if (rules && typeof rules === 'object' && typeof rules.dir === 'string' && !isAbsolute(rules.dir)) rules.dir = resolve(base, rules.dir);
  const tls = (raw.mqtt as { tls?: Record<string, unknown> } | undefined)?.tls;
  if (tls && typeof tls === 'object') for (const k of ['cert', 'key']) if (typeof tls[k] === 'string' && !isAbsolute(tls[k])) tls[k] = resolve(base, tls[k]);

  const problems: string[] = [];
  for (const [source, overrides] of [['environment', env], ['flag', flags]] as const) {
    for (const [key, spec] of Object.entries(overridePaths)) {
      const value = overrides[key as keyof ConfigOverrides];
      if (value === undefined) continue;
      let v: unknown = value;
      if (spec.number) {
        v = Number(value);
        if (value.trim() === '' || !Number.isInteger(v)) {
          problems.push(`${spec.path.join('.')}: ${JSON.stringify(value)} from ${describe(source, key)} is not a whole number`);
          continue;
        }
      }
      if (spec.dir) v = resolve(cwd, value);
      setPath(raw, spec.path, v);
    }
  }
  if (problems.length > 0) throw invalid(problems, file);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(top level)'}: ${i.message}`),
      file,
    );
  }
  const config = parsed.data;
  config.data = resolve(cwd, config.data);
  config.rules.dir = resolve(cwd, config.rules.dir);
  return deepFreeze(config);
}

function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new FirstlightError('FL_ERR_CONFIG_PARSE', `cannot read config file ${file}`, [(err as Error).message]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FirstlightError('FL_ERR_CONFIG_INVALID', `config file ${file} must contain a mapping of settings`, ['(top level): expected a mapping']);
  }
  return parsed as Record<string, unknown>;
}

function invalid(details: string[], file: string): FirstlightError {
  return new FirstlightError('FL_ERR_CONFIG_INVALID', `invalid configuration (${file})`, details);
}

function describe(source: 'environment' | 'flag', key: string): string {
  const kebab = key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  return source === 'flag' ? `--${kebab}` : `FIRSTLIGHT_${kebab.replace(/-/g, '_').toUpperCase()}`;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
