// Creates a working setup for a new site: a commented config, a data directory, the shipped rules,
// and (when asked) an HTTP token, printed once and stored only as its hash.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { FirstlightError } from '../../errors.ts';
import { DEFAULT_CONFIG_FILE } from '../../config/load-config.ts';
import { createToken } from '../../http/token.ts';
import { hashPassword } from '../../security/passwords.ts';
import { configTemplate } from './config-template.ts';
import { PACKAGE_DIR } from '../../package-root.ts';

export { PACKAGE_DIR };


export interface InitOptions {
  dir: string;
  site?: string | undefined;
  /** Data directory; default <dir>/data. */
  data?: string | undefined;
  httpToken?: boolean | undefined;
  /** MQTT users to make for devices (e.g. zigbee2mqtt): each gets a random password, printed once. */
  devices?: string[] | undefined;
  now?: Date;
}

export interface InitResult {
  configFile: string;
  dataDir: string;
  rulesDir: string;
  rules: string[];
  /** The HTTP token, to show once; only its hash was written. */
  httpToken?: string | undefined;
  /** Each device user's password, to show once; only the hashes were written. */
  devicePasswords: Record<string, string>;
}

/** What already exists that init would overwrite. */
function existingSetup(configFile: string, rulesDir: string, dataDir: string): string[] {
  const found: string[] = [];
  if (existsSync(configFile)) found.push(configFile);
  if (existsSync(rulesDir) && readdirSync(rulesDir).length > 0) found.push(`${rulesDir} (not empty)`);
  if (existsSync(join(dataDir, 'firstlight.db'))) found.push(join(dataDir, 'firstlight.db'));
  return found;
}

export async function initSetup(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const configFile = join(dir, DEFAULT_CONFIG_FILE);
  const rulesDir = join(dir, 'rules');
  const dataDir = options.data ? resolve(options.data) : join(dir, 'data');
  // Everything is checked before anything is written: a refused init leaves no trace.
  const existing = existingSetup(configFile, rulesDir, dataDir);
  if (existing.length > 0) {
    throw new FirstlightError('FL_ERR_SETUP_EXISTS', `there is already a setup in ${dir}; nothing was changed`, [
      ...existing.map((f) => `exists: ${f}`),
      'run "firstlight doctor" on it, or choose an empty directory',
    ]);
  }
  const token = options.httpToken ? await createToken() : undefined;
  const devicePasswords: Record<string, string> = {};
  const mqttUsers: Record<string, string> = {};
  for (const name of options.devices ?? []) {
    devicePasswords[name] = randomBytes(18).toString('base64url');
    mqttUsers[name] = await hashPassword(devicePasswords[name]);
  }

  mkdirSync(dir, { recursive: true });
  // The log holds who was where and when: readable by the gateway's user only.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  mkdirSync(rulesDir, { recursive: true, mode: 0o755 });
  const shipped = join(PACKAGE_DIR, 'rules');
  const rules = readdirSync(shipped).filter((f) => /\.ts$/.test(f)).sort();
  for (const f of rules) copyFileSync(join(shipped, f), join(rulesDir, f));
  linkPackage(dir);
  // Rule files are ES modules: without "type": "module" in a package.json above them, a .ts file
  // loads as CommonJS and its `export default` arrives wrapped.
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) writeFileSync(pkg, JSON.stringify({ name: 'firstlight-site', private: true, type: 'module' }, null, 2) + '\n');

  const asWritten = (p: string): string => {
    const rel = relative(dir, p);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? p : `./${rel}`;
  };
  const text = configTemplate({
    site: options.site ?? 'home',
    data: asWritten(dataDir),
    rules: './rules',
    httpTokenHash: token?.tokenHash,
    mqttUsers,
    createdAt: (options.now ?? new Date()).toISOString().slice(0, 10),
  });
  // 0600 when it holds hashes: a hash is not the token, but there is no reason to show it.
  writeFileSync(configFile, text, { mode: token || options.devices?.length ? 0o600 : 0o644, flag: 'wx' });
  return { configFile, dataDir, rulesDir, rules: rules.filter((f) => !f.includes('.test.')), httpToken: token?.token, devicePasswords };
}

/**
 * Rules import the SDK by the package's name (`from 'firstlight'`). Node finds a bare name by walking
 * up from the importing file to a node_modules folder, so the site gets node_modules/firstlight
 * pointing at the installed package, and its rules resolve the same SDK instance as the runtime.
 */
function linkPackage(dir: string): void {
  const modules = join(dir, 'node_modules');
  const link = join(modules, 'firstlight');
  if (resolve(PACKAGE_DIR) === dir || existsSync(link)) return;
  mkdirSync(modules, { recursive: true });
  symlinkSync(resolve(PACKAGE_DIR), link, 'dir');
}
