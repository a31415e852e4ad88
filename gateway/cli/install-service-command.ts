// `firstlight install-service`: installs the systemd unit with this install's paths, and its user.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config.ts';
import { FirstlightError } from '../errors.ts';
import { PACKAGE_DIR } from '../ops/init/init.ts';
import { renderUnit, shippedUnit } from '../ops/service-unit.ts';

const HELP = `Usage: sudo firstlight install-service [options]

Installs firstlight as a systemd service: creates the system user (no login, no home), writes
/etc/systemd/system/firstlight.service with this install's paths, and reloads systemd. Then:
  sudo systemctl enable --now firstlight
  journalctl -u firstlight -f -o cat

Options:
  -c, --config <file>  the config the service runs (default /etc/firstlight/firstlight.yaml;
                       make one with: sudo firstlight init /etc/firstlight --data /var/lib/firstlight)
      --user <name>    the service's user (default firstlight)
      --print          print the unit instead of installing anything
  -h, --help
`;

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new FirstlightError('FL_ERR_SERVICE_INSTALL', `${cmd} ${args.join(' ')} failed`, [String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()]);
  }
}

function userExists(user: string): boolean {
  try {
    execFileSync('id', ['-u', user], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function runInstallService(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, user: { type: 'string' }, print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const configFile = resolve(values.config ?? '/etc/firstlight/firstlight.yaml');
  const user = values.user ?? 'firstlight';
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new FirstlightError('FL_ERR_USAGE', `--user "${user}" is not a user name`);
  if (!existsSync(configFile)) {
    throw new FirstlightError('FL_ERR_CONFIG_NOT_FOUND', `config file not found: ${configFile}`, ['make one: sudo firstlight init /etc/firstlight --data /var/lib/firstlight']);
  }
  // The data directory comes from the config (an invalid one is reported here, not at service start).
  const config = loadConfig({ config: configFile }, {});
  const unit = renderUnit(shippedUnit(PACKAGE_DIR), { node: process.execPath, packageDir: PACKAGE_DIR.replace(/\/$/, ''), configFile, dataDir: config.data, user });
  if (values.print) {
    process.stdout.write(unit);
    return 0;
  }
  if (process.getuid?.() !== 0) throw new FirstlightError('FL_ERR_SERVICE_INSTALL', 'installing a service needs root', ['run it with sudo, or use --print and install the unit by hand']);
  // sd_booted(3): checked before anything is changed, so a machine without systemd is left as it was.
  if (!existsSync('/run/systemd/system')) {
    throw new FirstlightError('FL_ERR_SERVICE_INSTALL', 'this machine does not run systemd', ['run firstlight start under your init system, or use --print to see the unit']);
  }

  if (!userExists(user)) run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user]);
  // systemd chowns its StateDirectory itself; a data directory elsewhere is handed over here.
  if (!config.data.startsWith('/var/lib/firstlight')) {
    mkdirSync(config.data, { recursive: true, mode: 0o700 });
    run('chown', ['-R', `${user}:${user}`, config.data]);
  }
  const target = '/etc/systemd/system/firstlight.service';
  writeFileSync(target, unit, { mode: 0o644 });
  chownSync(target, 0, 0);
  run('systemctl', ['daemon-reload']);
  process.stdout.write(
    [
      `installed ${target} (user ${user}, config ${configFile}, log in ${config.data})`,
      'next:',
      '  sudo systemctl enable --now firstlight',
      '  journalctl -u firstlight -f -o cat',
      `  sudo -u ${user} ${process.execPath} ${join(PACKAGE_DIR, 'gateway/cli/bin.js')} doctor -c ${configFile}`,
      '',
    ].join('\n'),
  );
  return 0;
}
