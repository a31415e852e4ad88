// `firstlight token`: makes a bearer token for the HTTP API and prints it once, with the hash that
// goes in the config (the gateway never stores the token itself).
import { createToken } from '../http/token.ts';
import { parseArgs } from './options.ts';

const HELP = `Usage: firstlight token [--json]

Makes a random bearer token for the HTTP API and prints it with its scrypt hash. The gateway keeps
only the hash (http.tokenHash in the config file, FIRSTLIGHT_HTTP_TOKEN_HASH or --http-token-hash);
the token is shown this once, so store it where your HTTP clients can read it.

A token is required when the HTTP server listens on an address other than loopback.

Options:
  --json               {"token": ..., "tokenHash": ...}
`;

export async function runToken(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const { token, tokenHash } = await createToken();
  if (values.json) {
    process.stdout.write(JSON.stringify({ token, tokenHash }) + '\n');
    return 0;
  }
  process.stdout.write(
    `token: ${token}\n` +
      `hash:  ${tokenHash}\n\n` +
      `Put the hash in firstlight.yaml (or in FIRSTLIGHT_HTTP_TOKEN_HASH):\n\n` +
      `  http:\n    host: 0.0.0.0\n    tokenHash: '${tokenHash}'\n\n` +
      `and give the token to HTTP clients, e.g.\n\n` +
      `  curl -H 'Authorization: Bearer ${token}' http://<gateway>:8080/api/rooms\n\n` +
      `The token is not stored anywhere: this is the only time it is shown.\n`,
  );
  return 0;
}
