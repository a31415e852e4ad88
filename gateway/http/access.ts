// Who may read the API: anyone on this machine when the server listens on loopback only; a client
// with the bearer token when it listens anywhere else (or when a token is configured at all).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FirstlightError } from '../errors.ts';
import { HttpError } from './router.ts';
import { parseTokenHash, verifyToken, type TokenHash } from './token.ts';

export interface AccessOptions {
  host: string;
  tokenHash?: string | undefined;
  now(): number;
}

export interface Access {
  /** Resolves when the request may go on; throws an HttpError (401, 421 or 429) when not. */
  check(req: IncomingMessage): Promise<void>;
  readonly tokenRequired: boolean;
}

/** Failed attempts allowed per client address per minute before it is told to wait. */
const MAX_FAILURES_PER_MINUTE = 10;
/** Verified tokens remembered (by their SHA-256), so scrypt runs once per token, not per request. */
const VERIFIED_CACHE = 16;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** Refuses, before anything starts, to serve the log beyond this machine without a token. */
export function assertHttpAccess(options: { host: string; tokenHash?: string | undefined }): void {
  if (isLoopback(options.host) || options.tokenHash) return;
  throw new FirstlightError('FL_ERR_HTTP_TOKEN_REQUIRED', `the HTTP API would listen on ${options.host}, beyond this machine, without a token`, [
    'make a token with "firstlight token" and set http.tokenHash in the config (or FIRSTLIGHT_HTTP_TOKEN_HASH)',
    'or listen on loopback only: --http-host 127.0.0.1',
  ]);
}

export function createAccess(options: AccessOptions): Access {
  assertHttpAccess(options);
  const hash: TokenHash | undefined = options.tokenHash ? parseTokenHash(options.tokenHash) : undefined;
  const verified = new Set<string>();
  const failures = new Map<string, { windowStart: number; count: number }>();

  const unauthorized = (message: string): HttpError =>
    new HttpError(401, 'FL_ERR_HTTP_UNAUTHORIZED', message, { 'www-authenticate': 'Bearer realm="firstlight"' });

  function limited(address: string): boolean {
    const f = failures.get(address);
    return f !== undefined && options.now() - f.windowStart < 60_000 && f.count >= MAX_FAILURES_PER_MINUTE;
  }

  function fail(address: string): void {
    const now = options.now();
    const f = failures.get(address);
    if (!f || now - f.windowStart >= 60_000) {
      // Bounded: forget stale addresses before adding one.
      if (failures.size >= 1024) for (const [a, v] of failures) if (now - v.windowStart >= 60_000) failures.delete(a);
      if (failures.size < 1024) failures.set(address, { windowStart: now, count: 1 });
    } else f.count++;
  }

  return {
    tokenRequired: hash !== undefined,
    async check(req) {
      // A loopback server without a token must still refuse pages of other sites that a browser was
      // tricked into sending here (DNS rebinding): they arrive with a foreign Host header.
      if (!hash) {
        const host = (req.headers.host ?? '').replace(/:\d+$/, '');
        if (!isLoopback(host) && host !== options.host) {
          throw new HttpError(421, 'FL_ERR_HTTP_HOST', `this gateway answers to localhost only, not to "${host}"`);
        }
        return;
      }
      const address = req.socket.remoteAddress ?? 'unknown';
      if (limited(address)) throw new HttpError(429, 'FL_ERR_HTTP_RATE_LIMITED', 'too many failed attempts; wait a minute', { 'retry-after': '60' });
      const header = req.headers.authorization ?? '';
      const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
      if (!m) {
        fail(address);
        throw unauthorized('send the API token as "Authorization: Bearer <token>" (firstlight token makes one)');
      }
      const token = m[1]!;
      const digest = createHash('sha256').update(token).digest('hex');
      if (verified.has(digest)) return;
      if (!(await verifyToken(token, hash))) {
        fail(address);
        throw unauthorized('wrong token');
      }
      if (verified.size >= VERIFIED_CACHE) verified.clear();
      verified.add(digest);
    },
  };
}
