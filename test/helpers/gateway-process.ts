// Runs `firstlight start` as a child process on ephemeral ports, for tests about the process itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

// Every child a test starts is ended when the test worker exits, even when a failing assertion
// skipped the test's own stop(): no gateway outlives the suite.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
function track<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
const BIN = join(REPO, 'gateway/cli/bin.js');

export interface GatewayProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  /** The HTTP API and dashboard, e.g. http://127.0.0.1:40123 (ephemeral port). */
  httpUrl: string;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code (or the signal that ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export function tempDir(prefix = 'firstlight-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts the gateway and resolves once it listens (it logs its MQTT address). */
export async function startGatewayProcess(args: { data: string; rules?: string; extra?: string[]; env?: Record<string, string> }): Promise<GatewayProcess> {
  const proc = track(spawn(
    process.execPath,
    [BIN, 'start', '--mqtt-port', '0', '--http-port', '0', '--data', args.data, '--rules', args.rules ?? join(REPO, 'rules'), '--log-format', 'json', ...(args.extra ?? [])],
    { cwd: REPO, env: { ...process.env, ...args.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  ));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(proc, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals);
  let httpUrl = '';
  const started = new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'firstlight started') {
          httpUrl = entry.http as string;
          resolve(entry.mqtt as string);
        }
      } catch {
        logs.push({ msg: line });
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before it started: ${stderr}`)));
  });
  const url = await started;
  return {
    proc,
    port: Number(new URL(url).port),
    url,
    httpUrl,
    logs,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = track(spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(proc, 'exit')) as [number];
  return { code, stdout, stderr };
}
