// A user's rules project in a temporary directory: rules/ next to node_modules/firstlight (a link to
// this repository), as `npm install firstlight` leaves it. Rule files there import 'firstlight'.
import { mkdirSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from './gateway-process.ts';

export interface RulesProject {
  root: string;
  rules: string;
  data: string;
  /** Writes a rule file as editors do: to a hidden temporary file, then renamed over the old one. */
  write(name: string, source: string): string;
  remove(name: string): void;
  cleanup(): void;
}

export function rulesProject(): RulesProject {
  const dir = tempDir('firstlight-rules-');
  const rules = join(dir.path, 'rules');
  mkdirSync(rules);
  mkdirSync(join(dir.path, 'node_modules'));
  symlinkSync(REPO, join(dir.path, 'node_modules', 'firstlight'), 'dir');
  writeFileSync(join(dir.path, 'package.json'), JSON.stringify({ name: 'my-rules', private: true, type: 'module' }));
  let n = 0;
  return {
    root: dir.path,
    rules,
    data: join(dir.path, 'data'),
    write(name, source) {
      const file = join(rules, name);
      const temp = join(rules, `.${name}.${n++}.tmp`);
      writeFileSync(temp, source);
      renameSync(temp, file);
      return file;
    },
    remove(name) {
      unlinkSync(join(rules, name));
    },
    cleanup: dir.remove,
  };
}
