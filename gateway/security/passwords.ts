// Device passwords, kept only as scrypt hashes (the same format and cost as the HTTP API's tokens,
// see http/token.ts), verified on the libuv thread pool so a burst of CONNECTs cannot stall ingest.
import { createHash } from 'node:crypto';
import { hashToken, parseTokenHash, TOKEN_HASH_PATTERN, verifyToken, type TokenHash } from '../http/token.ts';

export { TOKEN_HASH_PATTERN as PASSWORD_HASH_PATTERN };

/** The scrypt hash of a password, to put under mqtt.users.<name>.passwordHash. */
export const hashPassword = (password: string): Promise<string> => hashToken(password);

export interface PasswordChecker {
  /** Whether `password` is the user's; false for unknown users, after the same amount of work. */
  verify(username: string, password: Buffer | undefined): Promise<boolean>;
}

/** Verified (user, password) pairs remembered by SHA-256, so a reconnecting device costs no scrypt. */
const REMEMBERED = 64;

export function createPasswordChecker(hashes: ReadonlyMap<string, string>): PasswordChecker {
  const parsed = new Map<string, TokenHash>([...hashes].map(([user, hash]) => [user, parseTokenHash(hash)]));
  // An unknown user is checked against this, so the answer takes as long as for a known one and
  // does not tell which user names exist.
  const decoy = parseTokenHash(`scrypt$16384$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`);
  const remembered = new Set<string>();
  return {
    async verify(username, password) {
      const text = password === undefined ? '' : password.toString('utf8');
      const digest = createHash('sha256').update(username).update('\u0000').update(text).digest('hex');
      const hash = parsed.get(username);
      if (hash && remembered.has(digest)) return true;
      const ok = await verifyToken(text, hash ?? decoy);
      if (!ok || !hash || password === undefined) return false;
      if (remembered.size >= REMEMBERED) remembered.clear();
      remembered.add(digest);
      return true;
    },
  };
}
