// The rules the gateway runs besides the user's: loaded from gateway/, versioned like user rules.
import { readFileSync } from 'node:fs';
import type { LoadedRule } from '../active-rule.ts';
import { ruleVersion } from '../rule-loader.ts';
import commandLifecycle from './command-lifecycle.ts';
import { packagePath } from '../../package-root.ts';

export interface BuiltinOptions {
  /** How long a device has to confirm a command; 0 turns confirmation (and retries) off. */
  confirmTimeout: number;
  retries: number;
}

export function builtinRules(options: BuiltinOptions): LoadedRule[] {
  if (options.confirmTimeout <= 0) return [];
  const file = packagePath('gateway/engine/builtin/command-lifecycle.ts');
  return [
    {
      definition: commandLifecycle as never,
      version: ruleVersion(readFileSync(file)),
      options: commandLifecycle.options!.parse({ confirmTimeout: options.confirmTimeout, retries: options.retries }),
      file,
    },
  ];
}
