// The gateway as a child process that a crash test may kill at any moment, even while it starts:
// a fixed loopback port (as devices expect across restarts) and readiness measured by a CONNACK.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { REPO } from '../../helpers/gateway-process.ts';

export const FAULT_RULES = fileURLToPath(new URL('../../fixtures/fault-rules/', import.meta.url));
const BIN = join(REPO, 'gateway/cli/bin.js');

export interface GatewayChild {
  proc: ChildProcess;
  url: string;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** Output so far (stdout and stderr). */
  output(): string;
  /** Sends a signal unless it already exited; resolves with how it ended. */
  stop(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

/** Writes the config every crash test uses: one light for the echo rule's commands. */
export function writeConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'firstlight.json');
  writeFileSync(file, JSON.stringify({ devices: { zigbee2mqtt: { devices: { 'lab/lamp': { room: 'lab', kinds: ['light'] } } } }, ...extra }));
  return file;
}

export function spawnGateway(args: { data: string; port: number; config: string; rules?: string; env?: Record<string, string> }): GatewayChild {
  const proc = spawn(
    process.execPath,
    [BIN, 'start', '--config', args.config, '--mqtt-port', String(args.port), '--http-port', '0', '--data', args.data, '--rules', args.rules ?? FAULT_RULES, '--log-format', 'json', '--log-level', 'warn'],
    { cwd: REPO, env: { ...process.env, ...args.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(proc, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals);
  return {
    proc,
    url: `mqtt://127.0.0.1:${args.port}`,
    exited,
    output: () => output,
    stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/**
 * Resolves with the ms from `since` until the gateway answered a CONNECT with CONNACK; rejects if the
 * process exits first or `timeoutMs` passes. Polls every 25 ms (bounded by the timeout).
 */
export async function untilAccepting(child: GatewayChild, since: number, timeoutMs = 30_000): Promise<number> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`gateway exited before it accepted connections:\n${child.output().slice(-2000)}`);
    try {
      const client = await connectAsync(child.url, { reconnectPeriod: 0, connectTimeout: 1000, clientId: `probe-${Math.random().toString(16).slice(2, 8)}` });
      await client.endAsync(true);
      return performance.now() - since;
    } catch {
      if (performance.now() - since > timeoutMs) throw new Error(`gateway did not accept connections within ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 25)); // polling a port another process opens
    }
  }
}
