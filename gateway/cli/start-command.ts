// `firstlight start`: runs the gateway until SIGINT or SIGTERM, then stops cleanly.
import { FirstlightError } from '../errors.ts';
import { startGateway } from '../gateway.ts';
import { systemClock } from '../clock.ts';
import { createLogger } from '../logger.ts';
import { limitHeapGrowth } from '../ops/heap-growth.ts';
import { createSystemdNotifier } from '../ops/systemd-notify.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight start [options]

Runs the gateway: an MQTT broker for your devices, the event log, and the rules.

Options:
${configFlagsHelp}`;

export async function runStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: configFlags, allowPositionals: false });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = configFromFlags(values);
  const logger = createLogger(config.log);
  limitHeapGrowth();
  // Signals are caught from here on: one that arrives while the gateway starts stops it once started.
  let signals = 0;
  let stopRequested: (signal: NodeJS.Signals) => void = () => {};
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without a clean stop');
      process.exit(1);
    }
    stopRequested(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let early: NodeJS.Signals | undefined;
  stopRequested = (signal) => (early = signal);
  let gateway;
  try {
    gateway = await startGateway({ config, logger });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new FirstlightError('FL_ERR_PORT_IN_USE', `cannot listen on ${config.mqtt.host}:${config.mqtt.port}: the port is in use`, [
        'stop what uses it (is another broker, e.g. Mosquitto, running?) or choose another port with --mqtt-port',
      ]);
    }
    throw err;
  }
  // Under systemd (Type=notify): ready now, and the watchdog fed from this event loop.
  const systemd = createSystemdNotifier({ clock: systemClock, onError: (err) => logger.warn({ err: err.message }, 'systemd notification failed') });
  systemd?.ready('running');
  // The first signal stops cleanly; a second one while stopping exits at once.
  await new Promise<void>((resolve) => {
    stopRequested = (signal) => {
      logger.info({ signal }, 'stopping');
      systemd?.stopping();
      void gateway.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'clean stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    if (early) stopRequested(early);
  });
  logger.flush();
  return process.exitCode === 1 ? 1 : 0;
}
