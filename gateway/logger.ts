// Structured logs with pino: JSON lines for journald, pretty on a terminal.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { Config } from './config/schema.ts';

export type { Logger };

export function createLogger(config: Config['log'], destination: NodeJS.WritableStream = process.stdout): Logger {
  const pretty = config.format === 'pretty' || (config.format === 'auto' && (destination as NodeJS.WriteStream).isTTY === true);
  if (pretty) {
    // In this thread, not as a pino transport: a transport's worker thread costs ~15 MB. Loaded only
    // for a terminal; the service logs JSON.
    const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino({ level: config.level }, prettyStream({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination, sync: true }));
  }
  return pino({ level: config.level, base: undefined }, destination);
}

/** The small logging surface parts of the runtime take, so they do not depend on pino. */
export interface LogSink {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export function sink(logger: Logger): LogSink {
  return {
    info: (m, d) => logger.info(d ?? {}, m),
    warn: (m, d) => logger.warn(d ?? {}, m),
    error: (m, d) => logger.error(d ?? {}, m),
  };
}

/**
 * Logs at most one line per key per interval, then says how many were held back: bad input from a
 * chatty device must not flood the log.
 */
export function createRateLimitedLog(now: () => number, intervalMs: number, write: (key: string, suppressed: number) => void): (key: string) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (key) => {
    const t = now();
    const entry = last.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    write(key, entry?.suppressed ?? 0);
    last.set(key, { at: t, suppressed: 0 });
  };
}
