// The systemd unit we ship (checked by systemd-analyze where the machine has it) and the
// notifications the gateway sends when systemd runs it as Type=notify.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { PACKAGE_DIR } from '../../gateway/ops/init/init.ts';
import { renderUnit, shippedUnit } from '../../gateway/ops/service-unit.ts';
import { createSystemdNotifier } from '../../gateway/ops/systemd-notify.ts';
import { startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';

const dir = tempDir('firstlight-systemd-');
afterAll(() => dir.remove());

const has = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** systemd-analyze verify: exit 0 is not enough, it only warns about unknown keys and bad values. */
function verify(unit: string): Promise<{ code: number; output: string }> {
  const file = join(dir.path, 'firstlight.service');
  writeFileSync(file, unit);
  return new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', file], (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 1 : 0, output: (stdout + stderr).trim() }));
  });
}

const template = shippedUnit(PACKAGE_DIR);
const values = { node: process.execPath, packageDir: '/opt/firstlight', configFile: '/etc/firstlight/firstlight.yaml', dataDir: '/var/lib/firstlight', user: 'firstlight' };

describe('the systemd unit', () => {
  it('runs as its own user with a state directory, restarts on failure, feeds the watchdog, and never sets MemoryDenyWriteExecute', () => {
    for (const line of ['User=firstlight', 'StateDirectory=firstlight', 'Restart=on-failure', 'Type=notify', 'NotifyAccess=all', 'WatchdogSec=60', 'NoNewPrivileges=yes', 'ProtectSystem=strict']) {
      expect(template).toMatch(new RegExp(`^${line}$`, 'm'));
    }
    expect(template).not.toMatch(/^MemoryDenyWriteExecute/m);
    // systemd takes a "#" after a value as part of the value.
    expect(template.split('\n').filter((l) => /^[A-Za-z]+=.*#/.test(l))).toEqual([]);
  });

  it('is filled in with the paths of the install, quoting what needs it', () => {
    const unit = renderUnit(template, { ...values, packageDir: '/home/pi/fire light', configFile: '/home/pi/site/firstlight.yaml', dataDir: '/home/pi/site/data', user: 'pi' });
    expect(unit).toContain(`ExecStart=${process.execPath} --max-semi-space-size=1 "/home/pi/fire light/gateway/cli/bin.js" start --config /home/pi/site/firstlight.yaml --log-format json`);
    expect(unit).toMatch(/^User=pi$/m);
    expect(unit).toMatch(/^ProtectHome=read-only$/m);
    expect(unit).toMatch(/^ReadWritePaths=\/home\/pi\/site\/data$/m);
  });

  it.runIf(has('systemd-analyze'))('passes systemd-analyze verify without a warning, as shipped and as installed', async () => {
    expect(await verify(renderUnit(template, values))).toEqual({ code: 0, output: '' });
    expect(await verify(renderUnit(template, { ...values, dataDir: '/srv/firstlight', packageDir: '/home/pi/firstlight' }))).toEqual({ code: 0, output: '' });
  });
});

describe('systemd notifications', () => {
  it('says READY, pings the watchdog at a third of WatchdogSec from the event loop, and stops pinging when stopping', async () => {
    const sent: string[][] = [];
    const clock = new SimulatedClock(0);
    const notifier = createSystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000' }, clock, onError: (e) => { throw e; }, send: (args, done) => (sent.push(args), done(null)) })!;
    notifier.ready('running');
    expect(sent).toEqual([['--ready', '--status=running']]);
    await clock.advance(30_000);
    expect(sent.filter((a) => a[0] === 'WATCHDOG=1')).toHaveLength(3);
    notifier.stopping();
    await clock.advance(60_000);
    expect(sent.filter((a) => a[0] === 'WATCHDOG=1')).toHaveLength(3);
    expect(sent.at(-1)).toContain('STOPPING=1');
    expect(createSystemdNotifier({ env: {}, clock, onError: () => {} })).toBeUndefined();
  });

  it.runIf(has('systemd-notify') && has('python3'))('reach a real notify socket through systemd-notify from the running gateway', async () => {
    // Node cannot bind a unix datagram socket, so the listener standing in for systemd is Python.
    const socket = join(dir.path, 'notify.sock');
    const listener = spawn('python3', ['-u', '-c', 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("bound",flush=True)\nwhile True: print(s.recv(4096).decode().replace("\\n"," "),flush=True)', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    const messages: string[] = [];
    const seen = new Map<string, () => void>();
    const waitFor = (text: string): Promise<void> => (messages.some((m) => m.includes(text)) ? Promise.resolve() : new Promise((resolve) => seen.set(text, resolve)));
    createInterface({ input: listener.stdout! }).on('line', (line) => {
      messages.push(line);
      for (const [text, resolve] of seen) if (line.includes(text)) resolve();
    });
    await waitFor('bound');
    const gateway = await startGatewayProcess({ data: join(dir.path, 'data'), env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '3000000' } });
    try {
      await waitFor('READY=1');
      await waitFor('WATCHDOG=1');
    } finally {
      expect(await gateway.stop()).toBe(0);
      listener.kill();
      await once(listener, 'exit');
    }
    expect(messages.find((m) => m.includes('READY=1'))).toContain('STATUS=running');
  });
});
