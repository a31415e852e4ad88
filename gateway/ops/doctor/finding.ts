// What one doctor check found: a status, what it saw, and how to fix it when something needs fixing.

/** ok: nothing to do. warn: worth knowing, the gateway runs. fail: needs fixing (non-zero exit). */
export type Status = 'ok' | 'warn' | 'fail';

export interface Finding {
  /** Stable name of the check (node, disk, filesystem, fsync, clock, rules, port-mqtt, port-http, database). */
  check: string;
  status: Status;
  message: string;
  /** What to do about it; present on every warn and fail. */
  fix?: string;
}

export const ok = (check: string, message: string): Finding => ({ check, status: 'ok', message });
export const warn = (check: string, message: string, fix: string): Finding => ({ check, status: 'warn', message, fix });
export const fail = (check: string, message: string, fix: string): Finding => ({ check, status: 'fail', message, fix });
