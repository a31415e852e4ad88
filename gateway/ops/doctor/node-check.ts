// Doctor: is this Node.js new enough, and still supported?
import { fail, ok, warn, type Finding } from './finding.ts';

export const MINIMUM_NODE = [20, 19] as const;
/** End-of-life dates of the Node.js lines we run on (nodejs.org release schedule). */
const END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };

export function checkNode(version: string = process.versions.node, today: Date = new Date()): Finding {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor, minMinor] = MINIMUM_NODE;
  if (major < minMajor || (major === minMajor && minor < minMinor)) {
    return fail('node', `Node.js ${version} is too old: firstlight needs ${minMajor}.${minMinor} or newer`, 'install Node.js 22 LTS (see docs/raspberry-pi.md); Debian\'s apt "nodejs" is too old');
  }
  const eol = END_OF_LIFE[major];
  if (eol && today.toISOString().slice(0, 10) > eol) {
    return warn('node', `Node.js ${version} works, but Node.js ${major} reached its end of life on ${eol} (no more security fixes)`, 'install Node.js 22 or 24 LTS (see docs/raspberry-pi.md), then run "npm rebuild" in the firstlight folder');
  }
  return ok('node', `Node.js ${version}`);
}
