// Doctor: are the ports the gateway listens on free (or held by this very gateway)?
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { fail, ok, type Finding } from './finding.ts';

export interface Listener {
  /** mqtt or http */
  name: string;
  host: string;
  port: number;
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Pids of processes that have `file` open (those /proc lets this user see). */
export function processesWithOpen(file: string): number[] {
  let target: string;
  try {
    target = realpathSync(file);
  } catch {
    return [];
  }
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const pid of entries) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === target)) pids.push(Number(pid));
    } catch {
      // Another user's process, or gone: not ours to see.
    }
  }
  return pids;
}

export async function checkPorts(listeners: Listener[], dbFile: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  let gatewayPids: number[] | undefined;
  for (const l of listeners) {
    const check = `port-${l.name}`;
    if (l.port === 0) {
      findings.push(ok(check, `${l.name}: a free port is picked at start (port 0)`));
      continue;
    }
    const err = await tryListen(l.host, l.port);
    const where = `${l.host}:${l.port}`;
    if (!err) findings.push(ok(check, `${l.name} port ${where} is free`));
    else if (err.code === 'EADDRINUSE') {
      gatewayPids ??= processesWithOpen(dbFile);
      if (gatewayPids.length > 0) findings.push(ok(check, `${l.name} port ${where} is in use by the running gateway (pid ${gatewayPids.join(', ')}, which has the log open)`));
      else {
        const hint = l.name === 'mqtt' ? ' (is Mosquitto running? "sudo systemctl disable --now mosquitto")' : '';
        findings.push(fail(check, `${l.name} port ${where} is in use by another program${hint}`, `find it with "sudo ss -ltnp 'sport = :${l.port}'" and stop it, or choose another port (${l.name}.port in the config, --${l.name}-port)`));
      }
    } else if (err.code === 'EACCES') {
      findings.push(fail(check, `${l.name} port ${where} needs privileges this user does not have`, 'use a port above 1023'));
    } else if (err.code === 'EADDRNOTAVAIL') {
      findings.push(fail(check, `${l.name} address ${l.host} is not an address of this machine`, `set ${l.name}.host to 127.0.0.1, 0.0.0.0 or one of this machine's addresses`));
    } else findings.push(fail(check, `cannot listen on ${where}: ${err.message}`, 'check the host and port in the config'));
  }
  return findings;
}
