// Runs a real Mosquitto (the Debian package) on an ephemeral loopback port with its own config file,
// for tests of external broker mode and the uplink. Each test ends the instances it starts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { tempDir } from './gateway-process.ts';

export interface Mosquitto {
  port: number;
  url: string;
  /** Directory of its config and persistence files. */
  dir: string;
  /** Whether the process runs. */
  readonly running: boolean;
  /** Its process id (to end it from an exit handler). */
  readonly pid: number | undefined;
  /** Stops it with a signal (SIGKILL: no chance to save anything) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same config (and persistence file, if any). */
  restart(): Promise<void>;
  /** Sends SIGSTOP / SIGCONT: the process keeps its sockets open but answers nothing (half-open). */
  pause(): void;
  resume(): void;
  /** Stops it if it runs and removes its files. */
  remove(): Promise<void>;
}

export interface MosquittoOptions {
  /** Keep sessions and queued messages on disk. Default false. */
  persistence?: boolean;
  /**
   * When the in-memory state is saved: after every change (sessions are durable at once; slow under
   * a stream, each save writes everything), once a second, or only on a clean exit. Default 'change'.
   */
  autosave?: 'change' | 'second' | 'exit';
  /** Extra mosquitto.conf lines. */
  extra?: string[];
}

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function hasMosquitto(): boolean {
  return spawnSync('sh', ['-c', `command -v mosquitto || test -x ${MOSQUITTO}`]).status === 0;
}

/** A port that was free a moment ago (bound to 0 and released); the caller retries on a collision. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const files = tempDir('firstlight-mosquitto-');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(files.path, 'mosquitto.conf');
    writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        // Started as root, mosquitto drops to user "mosquitto", which cannot write our temp directory.
        `user ${userInfo().username}`,
        // Tests publish thousands of messages to an offline session; the default of 1000 would drop some.
        'max_queued_messages 0',
        'max_inflight_messages 20',
        `persistence ${options.persistence ? 'true' : 'false'}`,
        `persistence_location ${files.path}/`,
        `autosave_interval ${options.autosave === 'exit' ? 0 : 1}`,
        `autosave_on_changes ${options.autosave === 'second' || options.autosave === 'exit' ? 'false' : 'true'}`,
        'log_dest stderr',
        'log_type error',
        'log_type warning',
        ...(options.extra ?? []),
        '',
      ].join('\n'),
    );
    let proc: ChildProcess;
    try {
      proc = await launch(config, port);
    } catch (err) {
      if (attempt < 5 && /Address already in use|did not listen/.test((err as Error).message)) continue;
      files.remove();
      throw err;
    }
    const handle: Mosquitto = {
      port,
      url: `mqtt://127.0.0.1:${port}`,
      dir: files.path,
      get running() {
        return proc.exitCode === null && proc.signalCode === null;
      },
      get pid() {
        return proc.pid;
      },
      async stop(signal = 'SIGTERM') {
        if (!handle.running) return;
        const exited = once(proc, 'exit');
        proc.kill(signal);
        await exited;
      },
      async restart() {
        await handle.stop();
        proc = await launch(config, port);
      },
      pause: () => void proc.kill('SIGSTOP'),
      resume: () => void proc.kill('SIGCONT'),
      async remove() {
        if (handle.running) proc.kill('SIGCONT');
        await handle.stop('SIGKILL');
        files.remove();
      },
    };
    return handle;
  }
}

async function launch(config: string, port: number): Promise<ChildProcess> {
  const proc = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}): ${stderr}`))));
  exited.catch(() => {});
  // Ready when it accepts a TCP connection.
  const deadline = Date.now() + 5000;
  for (;;) {
    const ok = await Promise.race([canConnect(port), exited]);
    if (ok) return proc;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
