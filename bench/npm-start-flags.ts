// The node flags `npm start` runs the gateway with, read from package.json, so that the benches run
// the gateway the way the README tells a user to start it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PACKAGE_JSON = fileURLToPath(new URL('../package.json', import.meta.url));
let flags: string[] | undefined;

/** The flags between `node` and `gateway/cli/bin.js` in the start script (e.g. --max-semi-space-size=8). */
export function npmStartNodeFlags(): string[] {
  if (flags) return flags;
  const start = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const m = /^node((?: --[\w-]+(?:=\S+)?)*) gateway\/cli\/bin\.js start$/.exec(start);
  if (!m) throw new Error(`package.json's start script is not "node [--flags] gateway/cli/bin.js start": ${JSON.stringify(start)}`);
  return (flags = m[1]!.split(' ').filter(Boolean));
}
