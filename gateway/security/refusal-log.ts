// Logs what the broker refused (a bad password, a forbidden topic, an oversized packet) at most once
// per kind and reason every interval, with a count of what was held back: a device stuck in a loop
// of refusals, or someone guessing passwords, must not flood the log.
import { createRateLimitedLog, type LogSink } from '../logger.ts';

export type RefusalLog = (what: string, details: Record<string, unknown>) => void;

export function createRefusalLog(now: () => number, log: Pick<LogSink, 'warn'>, intervalMs = 10_000): RefusalLog {
  let pending: { what: string; details: Record<string, unknown> } | undefined;
  const limited = createRateLimitedLog(now, intervalMs, (_key, suppressed) => {
    const { what, details } = pending!;
    log.warn(what, suppressed > 0 ? { ...details, alsoRefusedSinceLastReport: suppressed } : details);
  });
  return (what, details) => {
    pending = { what, details };
    limited(`${what}\u0000${String(details.reason)}`);
    pending = undefined;
  };
}
