// Dispatches `firstlight <command>` and turns errors into messages and exit codes.
import { FirstlightError } from '../errors.ts';
import { packagePath } from '../package-root.ts';

const HELP = `firstlight: an event-first reaction gateway for smart buildings

Usage: firstlight <command> [options]

Commands:
  start     run the gateway: embedded MQTT broker, the log, the rules
  events    read the log (also while the gateway runs)
  replay    try a rule on stored history in a dry run, and see how it differs from what ran
  init      create a setup for a new site: config, data directory, the shipped rules
  doctor    check this machine and setup, and say how to fix what is wrong
  backup    copy the log to a file, while the gateway runs
  install-service  install the systemd unit (sudo), or --print it
  why       explain an event, a device or a room from the log (firstlight why hall/ceiling)
  token     make a bearer token for the HTTP API (prints the token once, and its hash)
  passwd    hash a device's MQTT password for mqtt.users in the config
  demo      the gateway and a simulated home in one process: see it work without devices
  simulate  run a simulated building (or replay a recorded stretch) against an MQTT broker
  export    write a stretch of the log as CloudEvents JSON lines, for replay
  help      show this help (firstlight <command> --help for a command's options)
  version   print the version
`;

type Command = (argv: string[]) => Promise<number>;

/**
 * Each command's code, loaded when it is run: a gateway does not keep doctor, replay or the simulators
 * in memory (V8 holds every loaded module's source and compiled code for the life of the process).
 */
const COMMANDS = new Map<string, () => Promise<Command>>([
  ['start', async () => (await import('./start-command.ts')).runStart],
  ['events', async () => (await import('./events-command.ts')).runEvents],
  ['replay', async () => (await import('./replay-command.ts')).runReplay],
  ['init', async () => (await import('./init-command.ts')).runInit],
  ['doctor', async () => (await import('./doctor-command.ts')).runDoctorCommand],
  ['backup', async () => (await import('./backup-command.ts')).runBackup],
  ['install-service', async () => (await import('./install-service-command.ts')).runInstallService],
  ['why', async () => (await import('./why-command.ts')).runWhy],
  ['token', async () => (await import('./token-command.ts')).runToken],
  ['passwd', async () => (await import('./passwd-command.ts')).runPasswd],
  ['demo', async () => (await import('./demo-command.ts')).runDemo],
  ['simulate', async () => (await import('./simulate-command.ts')).runSimulate],
  ['export', async () => (await import('./export-command.ts')).runExport],
]);

/** Runs the CLI and returns the process exit code (0 ok, 1 failure, 2 usage or config error). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const load = command === undefined ? undefined : COMMANDS.get(command);
    if (load) return await (await load())(rest);
    switch (command) {
      case 'version':
      case '--version':
      case '-v': {
        const { readFileSync } = await import('node:fs');
        const pkg = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
        process.stdout.write(`${pkg.version}\n`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      default:
        throw new FirstlightError('FL_ERR_USAGE', `unknown command "${command}"`, ['run "firstlight help" for the list of commands']);
    }
  } catch (err) {
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof FirstlightError) {
    process.stderr.write(`firstlight: ${err.message} [${err.code}]\n`);
    for (const d of err.details) process.stderr.write(`  - ${d}\n`);
    return err.code === 'FL_ERR_CONFIG_INVALID' || err.code === 'FL_ERR_CONFIG_PARSE' || err.code === 'FL_ERR_CONFIG_NOT_FOUND' || err.code === 'FL_ERR_USAGE' ? 2 : 1;
  }
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string' && (err as { code: string }).code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`firstlight: ${(err as unknown as Error).message} [FL_ERR_USAGE]\n`);
    return 2;
  }
  process.stderr.write(`firstlight: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}
