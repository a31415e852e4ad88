// Config of log retention (storage.retention): how long events are kept and how large the log may
// grow, per event type, and the guards that keep a wrong clock from purging recent data.
import { z } from 'zod';
import { durationSchema } from '../sdk/duration.ts';

const units: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size in bytes: a number, or a string such as "512MiB", "2GB". */
export const bytesSchema = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]i?b|b)$/i.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `not a size: ${JSON.stringify(v)} (write e.g. "512MiB" or "2GB")` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * units[m[2]!.toLowerCase()]!);
});

const ruleSchema = z.strictObject({
  /** Events of the type older than this are pruned. */
  maxAge: durationSchema.optional(),
  /** The type's oldest events are pruned while it takes more than this (estimated). */
  maxBytes: bytesSchema.optional(),
});

export const retentionSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Age limit of every type without a rule of its own. 30 days: occupancy is personal data. */
    maxAge: durationSchema.prefault('30d'),
    /** Size of the whole log (pages in use); the oldest events go first. */
    maxBytes: bytesSchema.prefault('1GiB'),
    /**
     * Per event type ("input.rejected") or prefix ("sensor.*"); the longest match wins. Giving this
     * replaces the default, which keeps rejected input for 7 days.
     */
    types: z
      .record(z.string().regex(/^[A-Za-z0-9._-]+(\.\*)?$|^[A-Za-z0-9._-]*\*$/, 'an event type, or a prefix ending in "*"'), ruleSchema)
      .default({ 'input.rejected': { maxAge: 7 * 86_400_000 } }),
    /** How often retention runs. */
    interval: durationSchema.prefault('1h'),
    /** A run that would delete more than this share of all events is refused (a wrong clock?). 1: off. */
    maxDeleteFraction: z.number().min(0).max(1).default(0.1),
  })
  .prefault({});
