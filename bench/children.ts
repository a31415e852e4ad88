// Keeps track of the bench's child processes and kills every one of them on exit, also on errors and signals.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

const children = new Set<ChildProcess>();

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Spawns a child that is killed (SIGKILL) if the bench exits while it still runs. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs. Resolves with the exit code or signal. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number | string> {
  if (running(child)) {
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => running(child) && child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
  return child.exitCode ?? child.signalCode ?? 'unknown';
}

/** Kills, by pid, every child still running. Synchronous, so it also works in an 'exit' handler. */
export function killAllChildren(): void {
  for (const child of children) if (running(child)) child.kill('SIGKILL');
}

let installed = false;
/** Kills the children when the bench exits for any reason (normal end, exception, Ctrl-C). */
export function installExitCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping the child processes\n`);
      killAllChildren();
      process.exit(130);
    });
  }
}
