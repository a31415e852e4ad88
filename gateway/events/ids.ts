// Event ids shaped as UUIDv7 (RFC 9562): time-ordered, so the log's id index grows at its end
// instead of touching a random page per insert (random UUIDs made every commit write megabytes).
import { hash, randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

function random10(): Buffer {
  if (offset + 10 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 10;
  return pool.subarray(offset - 10, offset);
}

function format(ms: number, rand: Buffer): string {
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  const hex = rand.toString('hex');
  // rand holds 10 bytes: 12 bits after the version nibble, then 62 bits after the variant bits.
  const variant = ((parseInt(hex[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hex.slice(0, 3)}-${variant}${hex.slice(4, 7)}-${hex.slice(7, 19)}`;
}

/** A new, unique, time-ordered id for a fact received at `ms`. */
export function newEventId(ms: number): string {
  return format(ms, random10());
}

/**
 * A deterministic id for an output: the same inputs give the same id, so a replay after a crash
 * cannot store an output twice. `ms` (the time of the cause) keeps it near the end of the index.
 */
export function derivedId(ms: number, ...parts: string[]): string {
  // One-shot hash(), not createHash(): a Hash object is a native wrapper held by a weak handle, and
  // the young-generation collections that come every few hundred messages spent a third of their
  // pause on those handles (one per output).
  return format(ms, hash('sha256', parts.join('\u0000'), 'buffer').subarray(0, 10));
}
