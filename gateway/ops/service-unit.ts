// Fills the shipped systemd unit (deploy/firstlight.service) with the paths of this install.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface UnitValues {
  /** The node binary (process.execPath). */
  node: string;
  /** The installed firstlight package. */
  packageDir: string;
  configFile: string;
  /** The data directory from that config. */
  dataDir: string;
  user: string;
}

const STATE_DIR = '/var/lib/firstlight';

export function shippedUnit(packageDir: string): string {
  return readFileSync(join(packageDir, 'deploy/firstlight.service'), 'utf8');
}

/** Replaces one `Key=` line of the template; throws if the template lost it (the test would say). */
function setLine(text: string, key: string, value: string): string {
  const re = new RegExp(`^${key}=.*$`, 'm');
  if (!re.test(text)) throw new Error(`deploy/firstlight.service has no ${key}= line`);
  return text.replace(re, `${key}=${value}`);
}

/** systemd splits ExecStart= on spaces; a path with one must be quoted. */
const arg = (s: string): string => (/[\s"'\\]/.test(s) ? `"${s.replace(/(["\\])/g, '\\$1')}"` : s);

export function renderUnit(template: string, v: UnitValues): string {
  let text = template;
  text = setLine(text, 'ExecStart', `${arg(v.node)} --max-semi-space-size=1 ${arg(join(v.packageDir, 'gateway/cli/bin.js'))} start --config ${arg(v.configFile)} --log-format json`);
  text = setLine(text, 'Documentation', `file:${join(v.packageDir, 'docs/raspberry-pi.md')}`);
  text = setLine(text, 'User', v.user);
  text = setLine(text, 'Group', v.user);
  // ProtectHome=yes hides /home: an install or a config there must stay readable.
  if ([v.packageDir, v.configFile, v.node].some((p) => /^\/(home|root)(\/|$)/.test(p))) text = setLine(text, 'ProtectHome', 'read-only');
  // The log outside the state directory: the service may write there, and nowhere else.
  const data = v.dataDir.replace(/\/+$/, '');
  if (data !== STATE_DIR && !data.startsWith(STATE_DIR + '/')) {
    text = text.replace(/^(StateDirectoryMode=.*)$/m, `$1\n# The log's directory, from ${v.configFile}.\nReadWritePaths=${arg(data)}`);
  }
  return text;
}
