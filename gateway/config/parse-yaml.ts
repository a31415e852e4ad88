// YAML parsing for the config file, with the yaml package loaded for the call and let go after it: a
// gateway reads its config once, and yaml's code (its source and what parsing compiled) would
// otherwise stay in an idle gateway's memory for good.
import { createRequire } from 'node:module';

export function parseYaml(text: string): unknown {
  const require = createRequire(import.meta.url);
  const loaded = new Set(Object.keys(require.cache));
  try {
    return (require('yaml') as typeof import('yaml')).parse(text);
  } finally {
    // yaml's own files, unless something had loaded them already.
    for (const file of Object.keys(require.cache)) if (!loaded.has(file)) delete require.cache[file];
  }
}
