// `npm run demo` as a newcomer runs it: it starts, rooms light up within seconds, and Ctrl-C stops
// the gateway and the simulated home cleanly.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/log/database.ts';
import { createEventStore } from '../../gateway/log/event-store.ts';
import { REPO, tempDir } from '../helpers/gateway-process.ts';

const data = tempDir();
afterAll(() => data.remove());

/** Processes in a process group, by pid, from /proc (npm runs the demo through a shell). */
function groupMembers(pgid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name in parentheses: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) out.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0') });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

describe('npm run demo', () => {
  it('starts the gateway and a simulated home, switches lights within seconds, and stops cleanly on SIGINT', async () => {
    // Its own process group, as a terminal would start it; loopback and free ports only.
    const npm = spawn('npm', ['run', '--silent', 'demo', '--', '--mqtt-port', '0', '--http-port', '0', '--data', data.path, '--log-format', 'json'], {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const lines: string[] = [];
      let stderr = '';
      npm.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      let homeStarted = 0;
      const sawCommand = new Promise<void>((resolve, reject) => {
        createInterface({ input: npm.stdout! }).on('line', (line) => {
          lines.push(line);
          if (line.includes('Ctrl-C stops.')) homeStarted = performance.now();
          if (/ -> ON$/.test(line)) resolve();
        });
        void exited.then(() => reject(new Error(`the demo ended early: ${stderr}\n${lines.join('\n')}`)));
      });
      await sawCommand;
      const banner = lines.join('\n');
      expect(banner).toMatch(/firstlight demo: a simulated home \(6 rooms, 24 devices, 2 people\)/);
      expect(banner).toMatch(/MQTT broker {2}mqtt:\/\/127\.0\.0\.1:\d+/);
      expect(banner).toMatch(/the log {6}npx firstlight events --follow --data /);
      expect(banner).toMatch(/ someone came in$/m);
      // Within seconds of the home starting (tsx compiling the gateway comes before that).
      expect(homeStarted).toBeGreaterThan(0);
      expect(performance.now() - homeStarted).toBeLessThan(15_000);

      // A terminal's Ctrl-C signals the whole group, and npm then ends by re-raising the signal it got,
      // which hides the demo's status; so SIGINT goes to the demo alone, and npm passes on its status.
      // The node process itself (with the node flags of the script), not the shell npm started it with.
      const demo = groupMembers(npm.pid!).find((p) => /(^|\/)node$/.test(p.argv[0]!) && p.argv.some((a, i) => a.endsWith('bin.js') && p.argv[i + 1] === 'demo'));
      expect(demo).toBeDefined();
      process.kill(demo!.pid, 'SIGINT');
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(lines.some((l) => l.includes('"msg":"firstlight stopped"'))).toBe(true);
      expect(lines.at(-1)).toMatch(/^demo stopped; its log is in /);

      // The log holds the day so far: facts from the simulated devices, and commands with their causes.
      const db = openDatabase({ file: join(data.path, 'firstlight.db'), readonly: true });
      const store = createEventStore(db);
      const commands = store.query({ type: 'command.light' });
      expect(store.query({ type: 'sensor.occupancy' }).length).toBeGreaterThan(0);
      expect(commands.length).toBeGreaterThan(0);
      expect(commands.every((c) => c.causationid && c.correlationid)).toBe(true);
      db.close();
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
    }
  }, 90_000);
});
