// Keeps track of the bench's child processes and kills every one of them on exit, also on errors and signals.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

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

export interface StartedChild {
  child: ChildProcess;
  /** Set once the child exited: its code or signal. */
  exited?: number | string;
  pid: number;
  /** The JSON line that said it started. */
  started: Record<string, unknown>;
  /** JSON log lines after the start line, by level name (pino numbers: 30 info, 40 warn, 50 error). */
  linesByLevel: Map<string, number>;
  /** The last few warn/error lines and stderr, for the report. */
  problems: string[];
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * Spawns a Node child that prints JSON lines on stdout and resolves once a line satisfies `isStart`;
 * rejects if the child exits first or does not start within `timeoutMs`.
 */
export function startJsonChild(
  args: string[],
  options: {
    cwd: string;
    isStart: (line: Record<string, unknown>) => boolean;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
    /** Appends the stdout lines that are not JSON (what --trace-gc and the like print) to this file. */
    rawOutput?: string | undefined;
  },
): Promise<StartedChild> {
  const child = spawnTracked(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const raw = options.rawOutput ? createWriteStream(options.rawOutput, { flags: 'a' }) : undefined;
  if (raw) child.once('exit', () => raw.end());
  const linesByLevel = new Map<string, number>();
  const problems: string[] = [];
  const keep = (line: string): void => {
    problems.push(line.length > 300 ? `${line.slice(0, 300)}...` : line);
    if (problems.length > 10) problems.shift();
  };
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const line of d.split('\n')) if (line.trim()) keep(`stderr: ${line}`);
  });
  return new Promise((resolve, reject) => {
    let started: Record<string, unknown> | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not start within ${options.timeoutMs ?? 30_000} ms: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          raw?.write(`${line}\n`);
          if (started) keep(line);
          continue;
        }
        if (!started) {
          if (options.isStart(entry)) {
            started = entry;
            clearTimeout(timer);
            const handle: StartedChild = { child, pid: child.pid!, started, linesByLevel, problems };
            child.once('exit', (code, signal) => (handle.exited = code ?? signal ?? 'unknown'));
            resolve(handle);
          }
          continue;
        }
        const level = LEVELS[entry.level as number] ?? String(entry.level);
        linesByLevel.set(level, (linesByLevel.get(level) ?? 0) + 1);
        if ((entry.level as number) >= 40) keep(line);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before it started: ${stderr}`));
    });
  });
}

/**
 * Raises (or lowers) the bench's scheduling priority. With autogroup scheduling (Linux's default on
 * desktops and this VM), CPU time is shared fairly between sessions whatever the nice values of their
 * processes, so the nice value that counts is that of this session's autogroup, which the bench's
 * children share. Returns a function that restores the previous value.
 */
export function raisePriority(nice: number): () => void {
  const file = '/proc/self/autogroup';
  let previous: number | undefined;
  try {
    previous = Number(/nice (-?\d+)/.exec(readFileSync(file, 'utf8'))?.[1] ?? 0);
    writeFileSync(file, String(nice));
  } catch {
    previous = undefined;
  }
  // Without autogroups, per-process nice applies (per thread on Linux; new threads inherit it).
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // not allowed, or the thread ended
    }
  }
  return () => {
    try {
      if (previous !== undefined) writeFileSync(file, String(previous));
    } catch {
      // nothing to restore
    }
  };
}
