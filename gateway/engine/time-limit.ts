// Runs a transaction under a time limit, so a rule that loops forever is stopped instead of
// holding the gateway: V8 terminates the running script when the limit passes.
import vm from 'node:vm';

/**
 * Returns an `execute` for the committer. One limit per transaction (not per handler): starting the
 * watchdog costs ~0.1 ms, which a group commit shares among all its events.
 */
export function timeLimited(limitMs: number): (fn: () => void) => void {
  const context = vm.createContext({ run: undefined as (() => void) | undefined });
  const script = new vm.Script('run()', { filename: 'firstlight-rule-time-limit' });
  return (fn) => {
    context.run = fn;
    try {
      script.runInContext(context, { timeout: limitMs });
    } finally {
      context.run = undefined;
    }
  };
}
