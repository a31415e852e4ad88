// Tells systemd (Type=notify) that the gateway is ready or stopping, and feeds its watchdog.
//
// The protocol is one datagram on the unix socket named by $NOTIFY_SOCKET. Node cannot send unix
// datagrams without a native module, so each message goes through the `systemd-notify` tool that
// ships with systemd. It runs as a child, hence NotifyAccess=all in the unit; it waits until systemd
// has read the message (its BARRIER), so the child exiting first loses nothing.
import { execFile } from 'node:child_process';
import type { Clock } from '../clock.ts';

export interface SystemdNotifier {
  /** READY=1: the broker listens and the rules run. Starts the watchdog pings if systemd asked for them. */
  ready(status: string): void;
  /** STOPPING=1: a clean stop began. Stops the watchdog pings. */
  stopping(): void;
}

export interface NotifyDeps {
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  onError(err: Error): void;
  /** Sends one message; by default through the systemd-notify tool. */
  send?: (args: string[], done: (err: Error | null) => void) => void;
}

const sendWithTool = (args: string[], done: (err: Error | null) => void): void => {
  execFile('systemd-notify', args, { timeout: 10_000 }, (err) => done(err));
};

/** A notifier, or undefined when not run by systemd as Type=notify (no $NOTIFY_SOCKET). */
export function createSystemdNotifier(deps: NotifyDeps): SystemdNotifier | undefined {
  const env = deps.env ?? process.env;
  if (!env.NOTIFY_SOCKET) return undefined;
  const send = deps.send ?? sendWithTool;
  const report = (err: Error | null): void => {
    if (err) deps.onError(err);
  };
  // systemd sets WATCHDOG_USEC (WatchdogSec=) and WATCHDOG_PID (the main process) for us.
  const watchdogUsec = Number(env.WATCHDOG_USEC);
  const forUs = !env.WATCHDOG_PID || Number(env.WATCHDOG_PID) === process.pid;
  // Pinging at a third of the period leaves room for one slow ping (sd_watchdog_enabled(3) says half).
  const pingMs = forUs && watchdogUsec > 0 ? Math.max(1000, Math.floor(watchdogUsec / 1000 / 3)) : 0;
  let cancel: (() => void) | undefined;
  let stopped = false;
  const ping = (): void => {
    if (stopped) return;
    // From the event loop itself: if the loop is stuck (a blocked rule, a hung write), no ping goes
    // out and systemd restarts the gateway after WatchdogSec.
    send(['WATCHDOG=1'], report);
    cancel = deps.clock.setTimeout(ping, pingMs);
  };
  return {
    ready(status) {
      send(['--ready', `--status=${status}`], report);
      if (pingMs > 0 && !cancel) cancel = deps.clock.setTimeout(ping, pingMs);
    },
    stopping() {
      stopped = true;
      cancel?.();
      send(['--status=stopping', 'STOPPING=1'], report);
    },
  };
}
