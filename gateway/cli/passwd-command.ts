// `firstlight passwd <user>`: hashes a device's MQTT password (scrypt) and prints the config lines
// for it; the gateway keeps only the hash. The password is read from the terminal without echo, or
// from the first line of standard input (so scripts can pipe it in; it never appears in argv).
import { createInterface } from 'node:readline';
import { FirstlightError } from '../errors.ts';
import { hashPassword } from '../security/passwords.ts';
import { parseArgs } from './options.ts';

const HELP = `Usage: firstlight passwd <user> [--json]

Reads a password (typed twice on a terminal, or the first line of standard input) and prints its
scrypt hash with the lines to put under mqtt.users in firstlight.yaml. Devices then log in to the
embedded broker with that user name and password.

  echo 's3cret' | firstlight passwd zigbee2mqtt

Options:
  --json               {"user": ..., "passwordHash": ...}
`;

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export async function runPasswd(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const user = positionals[0];
  if (!user || positionals.length > 1 || !USERNAME.test(user)) {
    throw new FirstlightError('FL_ERR_USAGE', 'name one user: firstlight passwd <user>', ['a user name of letters, digits, ".", "_" and "-" (it is also the device\'s topic prefix, %u)']);
  }
  const password = process.stdin.isTTY ? await askTwice() : await firstLine();
  if (!password) throw new FirstlightError('FL_ERR_USAGE', 'empty password', ['type a password, or pipe one in: echo "..." | firstlight passwd ' + user]);
  const passwordHash = await hashPassword(password);
  if (values.json) {
    process.stdout.write(JSON.stringify({ user, passwordHash }) + '\n');
    return 0;
  }
  process.stdout.write(
    `Put this in firstlight.yaml:\n\n` +
      `  mqtt:\n    users:\n      ${user}:\n        passwordHash: '${passwordHash}'\n\n` +
      `The device logs in as "${user}". It may publish to ${user}/# and cloudevents/${user}/#, and\n` +
      `subscribe within ${user}/# (set publish: and subscribe: under the user to change that).\n`,
  );
  return 0;
}

async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function askTwice(): Promise<string> {
  const first = await askHidden('password: ');
  const second = await askHidden('again:    ');
  if (first !== second) throw new FirstlightError('FL_ERR_USAGE', 'the passwords differ', ['run the command again']);
  return first;
}

/** Reads one line from the terminal without echoing it. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(text);
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    };
    stdin.on('data', onData);
  });
}
