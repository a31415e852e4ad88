// `firstlight why <event-id | device | room>`: explains from the log why something happened or is as
// it is, as a sentence and a tree, or as JSON. Reads the log only; works while the gateway runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FirstlightError } from '../errors.ts';
import { DB_FILE } from '../gateway.ts';
import { loadAdapters } from '../ingest/load-adapters.ts';
import { formatExplanation } from '../lineage/format-text.ts';
import { why } from '../lineage/why.ts';
import { openDatabase } from '../log/database.ts';
import { createEventReader } from '../log/event-reader.ts';
import { createDeviceRegistry } from '../registry/device-registry.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight why <event-id | device | room> [options]

Explains, from the log, why something happened or is as it is:
  an event    its chain of causes back to the sensor facts that started it (and, with --effects,
              everything it caused)
  a device    its current state and the last command it received, with that command's chain and
              whether the device confirmed it
  a room      its occupancy and why each of its lights is on or off

  <target>             an event id, a log position (#1203), a device (hall/ceiling) or a room (hall);
                       prefix with event:, device: or room: when a name is ambiguous
Options:
  --effects            also show everything the event caused
  --json               the explanation as JSON
Where the log is:
${configFlagsHelp}`;

export async function runWhy(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...configFlags, json: { type: 'boolean' }, effects: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new FirstlightError('FL_ERR_USAGE', positionals.length === 0 ? 'why what? Name an event id, a device or a room' : 'why takes one target', [
      'e.g. firstlight why hall/ceiling, or firstlight why hall (quote names with spaces)',
    ]);
  }
  const target = positionals[0]!;
  const config = configFromFlags(values);
  const file = join(config.data, DB_FILE);
  if (!existsSync(file)) {
    throw new FirstlightError('FL_ERR_NO_LOG', `no log at ${file}`, ['start the gateway first, or point --data at the directory it writes to']);
  }
  // Devices placed in the config file count as the gateway sees them (their room and kinds win).
  const adapters = await loadAdapters(config.devices);
  const db = openDatabase({ file, readonly: true });
  try {
    const devices = createDeviceRegistry({ db, configured: adapters.flatMap((a) => a.configuredDevices()) });
    const now = new Date();
    const answer = why({ log: createEventReader(db), devices }, target, { now, effects: values.effects });
    if (!answer) {
      throw new FirstlightError('FL_ERR_NOT_FOUND', `nothing in the log is called "${target}"`, [
        'name an event id (firstlight events --json shows them), a log position like #1203, a device or a room',
      ]);
    }
    process.stdout.write(values.json ? JSON.stringify(answer, null, 2) + '\n' : formatExplanation(answer, now));
    return 0;
  } finally {
    db.close();
  }
}
