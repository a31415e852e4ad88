// `firstlight backup <file>`: a consistent copy of the log, taken while the gateway runs.
import { join, resolve } from 'node:path';
import { FirstlightError } from '../errors.ts';
import { DB_FILE } from '../gateway.ts';
import { PAGE_SIZES } from '../log/page-size.ts';
import { backupDatabase } from '../ops/backup.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight backup <file> [options]

Copies the event log (with the rules' state, timers and devices) into <file>, using SQLite's online
backup API: the gateway keeps running, and the copy holds everything committed before it began.
The copy is one file; restore it by stopping the gateway and putting it in place of
<data>/${DB_FILE}.

Options:
      --force             replace <file> if it exists
      --page-size <n>     write the copy with pages of n bytes (1024, 2048, 4096 or 8192): how a
                          log created with 4 KiB pages moves to the 1 KiB pages that new logs get
                          (fewer bytes written per event); slower than a plain copy
${configFlagsHelp}`;

export async function runBackup(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { ...configFlags, force: { type: 'boolean' }, 'page-size': { type: 'string' } }, allowPositionals: true });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new FirstlightError('FL_ERR_USAGE', 'name the file to write the backup to', ['firstlight backup /mnt/usb/firstlight-backup.db']);
  const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
  if (pageSize !== undefined && !PAGE_SIZES.some((size) => size === pageSize)) {
    throw new FirstlightError('FL_ERR_USAGE', `--page-size ${values['page-size']}: not a page size firstlight uses`, [`use one of ${PAGE_SIZES.join(', ')}`]);
  }
  const config = configFromFlags(values);
  const result = await backupDatabase(join(config.data, DB_FILE), resolve(positionals[0]!), { force: values.force === true, ...(pageSize && { pageSize }) });
  const mib = (result.bytes / 1048576).toFixed(1);
  process.stdout.write(`backed up ${result.events} events (up to position ${result.lastPosition}), ${mib} MiB, to ${result.file} in ${Math.round(result.ms)} ms\n`);
  return 0;
}
