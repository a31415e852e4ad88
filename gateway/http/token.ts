// Bearer tokens for the HTTP API: random, kept only as a scrypt hash, checked in constant time with
// the hashing off the event loop (node:crypto's async scrypt runs on the libuv thread pool).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost: 2^14 rounds, 16 MiB, about 50 ms on a Raspberry Pi 4: cheap once, dear by the million. */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
/** scrypt$N$r$p$salt$key, salt and key in base64url. */
export const TOKEN_HASH_PATTERN = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

export interface TokenHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function derive(token: string, salt: Buffer, cost: ScryptOptions & { N: number; r: number; p: number }, length: number): Promise<Buffer> {
  // maxmem: scrypt needs 128 * N * r bytes; the default cap (32 MiB) is too tight for larger N.
  const maxmem = 256 * cost.N * cost.r;
  return new Promise((resolve, reject) =>
    scrypt(token, salt, length, { ...cost, maxmem }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** A new random token ("fl_" and 256 random bits) and the hash to configure. */
export async function createToken(): Promise<{ token: string; tokenHash: string }> {
  const token = `fl_${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: await hashToken(token) };
}

export async function hashToken(token: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await derive(token, salt, COST, KEY_BYTES);
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export function parseTokenHash(text: string): TokenHash {
  const m = TOKEN_HASH_PATTERN.exec(text);
  if (!m) throw new Error('not a token hash (make one with "firstlight token")');
  return { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

/** Whether `token` is the one `hash` was made from. Constant-time in the comparison. */
export async function verifyToken(token: string, hash: TokenHash): Promise<boolean> {
  const key = await derive(token, hash.salt, { N: hash.N, r: hash.r, p: hash.p }, hash.key.length);
  return timingSafeEqual(key, hash.key);
}
