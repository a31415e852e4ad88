// `firstlight init [dir]`: a new site's setup (config, data directory, rules), refusing to overwrite one.
import { parseArgs } from 'node:util';
import { FirstlightError } from '../errors.ts';
import { initSetup } from '../ops/init/init.ts';

const HELP = `Usage: firstlight init [dir] [options]

Creates a setup for a new site in <dir> (default: the current directory):
  firstlight.yaml   the config, every setting with its default and what it does
  data/             the event log's directory (mode 700)
  rules/            the shipped rules, to start from and change
It refuses to touch a directory that already has a config, rules or a log.

Options:
      --site <id>       the site's id, part of every event's source (default home)
      --data <dir>      put the log here instead of <dir>/data (e.g. /var/lib/firstlight)
      --http-token      make a token for the HTTP API: printed once, only its hash is stored
      --device <user>   make an MQTT login for a device, e.g. zigbee2mqtt (repeatable): a random
                        password, printed once, only its hash is stored; with any, every client
                        must log in, and may publish to <user>/# and cloudevents/<user>/#
  -h, --help

Then: firstlight doctor -c <dir>/firstlight.yaml, and firstlight start -c <dir>/firstlight.yaml
`;

export async function runInit(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { site: { type: 'string' }, data: { type: 'string' }, 'http-token': { type: 'boolean' }, device: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 1) throw new FirstlightError('FL_ERR_USAGE', 'init takes one directory', ['firstlight init /etc/firstlight']);
  if (values.site !== undefined && !/^[a-z0-9][a-z0-9._-]*$/.test(values.site)) {
    throw new FirstlightError('FL_ERR_USAGE', `--site "${values.site}" is not a site id`, ['use lower-case letters, digits, ".", "_" and "-"']);
  }
  for (const user of values.device ?? []) {
    // The user name is also a topic level (%u) and a client id.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(user)) throw new FirstlightError('FL_ERR_USAGE', `--device "${user}" is not a user name`, ['use letters, digits, ".", "_" and "-" (e.g. zigbee2mqtt)']);
  }
  const r = await initSetup({ dir: positionals[0] ?? '.', site: values.site, data: values.data, httpToken: values['http-token'], devices: values.device });
  const out = [
    `created ${r.configFile}`,
    `created ${r.dataDir}/ (the event log)`,
    `created ${r.rulesDir}/ with ${r.rules.length} shipped rules: ${r.rules.map((f) => f.replace(/\.ts$/, '')).join(', ')}`,
  ];
  if (r.httpToken) {
    out.push('', 'HTTP API token (shown only now; the config holds its hash):', `  ${r.httpToken}`, 'send it as "Authorization: Bearer <token>"; lost it? run "firstlight token" for a new hash');
  }
  const devices = Object.entries(r.devicePasswords);
  if (devices.length > 0) {
    out.push('', 'MQTT logins (shown only now; the config holds their hashes):', ...devices.map(([user, password]) => `  ${user}  ${password}`));
    out.push('every client must now log in; e.g. in Zigbee2MQTT\'s configuration.yaml: mqtt: { user: zigbee2mqtt, password: <above> }');
  }
  out.push(
    '',
    devices.length > 0 ? 'MQTT listens on 127.0.0.1; set mqtt.host to 0.0.0.0 to let devices on the network log in.' : 'MQTT listens on 127.0.0.1 only; see docs/raspberry-pi.md before opening it to the network.',
    '',
    'next:',
    `  firstlight doctor -c ${r.configFile}`,
    `  firstlight start -c ${r.configFile}`,
  );
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
