// Type-checks a rule file against the project's tsconfig in a child process, when the `typescript`
// package is installed (a devDependency: on a Pi installed with --omit=dev it is absent).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Clock } from '../clock.ts';
import type { RuleProblem } from './rule-problem.ts';
import { packagePath } from '../package-root.ts';

export type TypeCheckResult =
  | { kind: 'ok' }
  | { kind: 'problems'; problems: RuleProblem[] }
  /** The check could not run (it crashed or timed out): the file is judged on syntax alone. */
  | { kind: 'unchecked'; reason: string };

export interface RuleTypeChecker {
  check(file: string): Promise<TypeCheckResult>;
  /** Ends checks in progress (they resolve as unchecked). */
  stop(): void;
}

export interface RuleTypeCheckerDeps {
  clock: Clock;
  /** A check that takes longer is abandoned. Default 2 minutes (a Pi 3 builds a program slowly). */
  timeoutMs?: number;
}

const CHILD = packagePath('gateway/engine/type-check-child.js');
const FALLBACK_CONFIG = packagePath('tsconfig.json');

/** Whether the `typescript` package can be loaded by this installation. */
export function typescriptAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('typescript');
    return true;
  } catch {
    return false;
  }
}

export function createRuleTypeChecker({ clock, timeoutMs = 120_000 }: RuleTypeCheckerDeps): RuleTypeChecker {
  const running = new Set<ChildProcess>();

  return {
    check(file) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [CHILD, file, FALLBACK_CONFIG], { stdio: ['ignore', 'pipe', 'pipe'] });
        running.add(child);
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const cancelTimeout = clock.setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('error', (err) => finish({ kind: 'unchecked', reason: err.message }));
        child.once('close', (code, signal) => {
          const line = stdout.trim().split('\n').at(-1);
          let result: { problems?: RuleProblem[]; error?: string } | undefined;
          try {
            result = line ? (JSON.parse(line) as typeof result) : undefined;
          } catch {
            result = undefined;
          }
          if (result?.problems) finish(result.problems.length === 0 ? { kind: 'ok' } : { kind: 'problems', problems: result.problems });
          else finish({ kind: 'unchecked', reason: result?.error ?? `type checker exited (${signal ?? code}) ${stderr.trim().slice(0, 500)}`.trim() });
        });
        let finished = false;
        function finish(result: TypeCheckResult): void {
          // 'error' and 'close' can both come for one child.
          if (finished) return;
          finished = true;
          cancelTimeout();
          running.delete(child);
          resolve(result);
        }
      });
    },
    stop() {
      for (const child of running) child.kill('SIGKILL');
    },
  };
}
