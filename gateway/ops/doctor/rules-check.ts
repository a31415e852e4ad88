// Doctor: can the gateway read the rules, can nobody else change them, and do they load?
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isRuleFileName, loadRules } from '../../engine/rule-loader.ts';
import { fail, ok, warn, type Finding } from './finding.ts';

/** Rules are code the gateway runs: whoever can write them can run code as the gateway's user. */
function permissionFindings(dir: string, files: string[]): Finding[] {
  const findings: Finding[] = [];
  for (const path of [dir, ...files]) {
    const mode = statSync(path).mode;
    const octal = (mode & 0o777).toString(8);
    if (mode & 0o002) {
      findings.push(fail('rules', `${path} is writable by every user (mode ${octal}): anyone on this machine could change what the gateway runs`, `chmod o-w ${path}`));
    } else if (mode & 0o020) {
      findings.push(warn('rules', `${path} is writable by its group (mode ${octal})`, `chmod g-w ${path} unless everyone in that group may change the rules`));
    }
  }
  return findings;
}

export async function checkRules(dir: string, options: Record<string, unknown>): Promise<Finding[]> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return [fail('rules', `${dir} is not a directory`, 'point rules.dir (or --rules) at the directory of your rules')];
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [fail('rules', `rules directory not found: ${dir}`, 'create it ("firstlight init" makes one with the shipped rules), or point rules.dir at yours')];
    return [fail('rules', `cannot read the rules directory ${dir} (${code})`, `let the user that runs firstlight read it: e.g. chmod 755 ${dir}`)];
  }
  const files = names.filter(isRuleFileName).map((n) => join(dir, n));
  const findings = permissionFindings(dir, files);
  const { rules, errors } = await loadRules(dir, options);
  for (const e of errors) {
    const denied = /EACCES|permission denied/i.test(e.error);
    findings.push(fail('rules', `${e.file} does not load: ${e.error}`, denied ? `let the user that runs firstlight read it: chmod 644 ${e.file}` : 'fix the rule (the gateway runs without it until then)'));
  }
  if (!findings.some((f) => f.status === 'fail')) {
    findings.push(ok('rules', `${rules.length} rule${rules.length === 1 ? '' : 's'} load from ${dir}${rules.length ? ': ' + rules.map((r) => r.definition.name).join(', ') : ''}`));
  }
  return findings;
}
