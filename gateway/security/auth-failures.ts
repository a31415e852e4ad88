// Slows down an address that keeps failing to authenticate: after a few free attempts each further
// CONNECT from it waits longer (doubling, capped) before it is even looked at; a success or a quiet
// window forgets the address.
import type { Clock } from '../clock.ts';

export interface AuthFailureOptions {
  clock: Clock;
  /** Failures within the window that cost nothing. Default 5. */
  freeFailures?: number;
  /** How long a failure is remembered. Default 60 s. */
  windowMs?: number;
  /** Delay after the first failure past the free ones; doubles with each further one. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest delay. Default 30 s. */
  maxDelayMs?: number;
  /** Addresses tracked at most (oldest forgotten first). Default 4096. */
  maxAddresses?: number;
}

export interface AuthFailures {
  /** How long a CONNECT from this address waits before it is authenticated (0: not at all). */
  delayFor(address: string): number;
  failed(address: string): void;
  succeeded(address: string): void;
  /** Failures currently remembered for an address. */
  count(address: string): number;
}

export function createAuthFailures(options: AuthFailureOptions): AuthFailures {
  const { clock } = options;
  const free = options.freeFailures ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const maxAddresses = options.maxAddresses ?? 4096;
  // Insertion order is age order: a Map lets the oldest be dropped first when it is full.
  const failures = new Map<string, { count: number; last: number }>();

  function current(address: string): { count: number; last: number } | undefined {
    const f = failures.get(address);
    if (f && clock.now() - f.last >= windowMs) {
      failures.delete(address);
      return undefined;
    }
    return f;
  }

  return {
    delayFor(address) {
      const count = current(address)?.count ?? 0;
      if (count < free) return 0;
      return Math.min(max, base * 2 ** Math.min(count - free, 20));
    },
    failed(address) {
      const f = current(address);
      failures.delete(address);
      failures.set(address, { count: (f?.count ?? 0) + 1, last: clock.now() });
      if (failures.size > maxAddresses) failures.delete(failures.keys().next().value!);
    },
    succeeded(address) {
      failures.delete(address);
    },
    count: (address) => current(address)?.count ?? 0,
  };
}
