// Prunes the log by age and size, per event type, without breaking what the log promises: no event a
// consumer (rule, actuator, uplink) has not processed yet, no cause of an event that is kept (lineage),
// no event a pending timer was set by, and never the newest (positions are handed out from it).
import { logTables, type Db } from './database.ts';
import type { EventStore } from './event-store.ts';

export interface RetentionRule {
  /** Events older than this (by their time) are pruned. */
  maxAge?: number | undefined;
  /** The oldest events of the type are pruned while the type takes more than this (estimated). */
  maxBytes?: number | undefined;
}

export interface RetentionPolicy {
  /** Age limit of every type without a rule of its own. */
  maxAge: number;
  /** Size limit of the whole log (bytes of pages in use); oldest events go first. */
  maxBytes: number;
  /** Per type: an exact type ("input.rejected") or a prefix ("sensor.*"); the longest match wins. */
  types: Readonly<Record<string, RetentionRule>>;
}

export interface PruneCandidates {
  /** Events a prune would delete, by type. */
  byType: Record<string, number>;
  total: number;
}

export interface Pruner {
  /** Counts what a prune would delete now (at most `max` of it), without deleting. */
  plan(now: number, max?: number): PruneCandidates;
  /** Deletes up to `batch` prunable events in one transaction; returns how many, by type. */
  pruneBatch(now: number, batch: number): Record<string, number>;
  /** Events in the log. */
  count(): number;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

export function createPruner(db: Db, store: Pick<EventStore, 'fold' | 'resetHead'>, policy: RetentionPolicy, protectedFrom: () => number): Pruner {
  // Old events are in the indexed table (event_log); the tail holds only what was logged since its
  // last fold, so the prune reads and deletes there. The tail still counts for the newest position
  // and as the effects that keep their causes.
  const { indexed: log, tail, headSql } = logTables(db);
  const tailCauses = tail ? ` AND e.id NOT IN (SELECT causationid FROM ${tail} WHERE causationid IS NOT NULL)` : '';
  // Distinct types by a loose index scan on events_by_type: O(types x log n), not a full scan.
  const types = db
    .prepare(
      `WITH RECURSIVE t(type) AS (SELECT MIN(type) FROM ${log} UNION ALL SELECT (SELECT MIN(type) FROM ${log} WHERE type > t.type) FROM t WHERE t.type IS NOT NULL)
       SELECT type FROM t WHERE type IS NOT NULL`,
    )
    .pluck();
  const head = db.prepare(headSql).pluck();
  // The newest event older than a cutoff, by the time index: with it the per-type scan below is a
  // range on events_by_type (type, seq) instead of a walk over every event of the type. Times follow
  // positions closely (facts are stamped when they arrive); an event logged with an older time of
  // its own (a producer's CloudEvent, an import) goes when the events logged around it are old enough.
  const lastBefore = db.prepare(`SELECT seq FROM ${log} WHERE time < ? ORDER BY time DESC LIMIT 1`).pluck();
  // What may never go: causes of kept events (lineage) and events that pending timers were set by.
  // NOT IN over the tail is evaluated once per statement; NOT EXISTS is a lookup on events_by_cause.
  const prunable = `NOT EXISTS (SELECT 1 FROM ${log} c WHERE c.causationid = e.id)${tailCauses} AND e.id NOT IN (SELECT set_by FROM timers)`;
  const byAge = db.prepare(`SELECT e.seq FROM ${log} e WHERE e.type = ? AND e.seq <= ? AND e.time < ? AND ${prunable} ORDER BY e.seq LIMIT ?`).pluck();
  const oldestOfType = db.prepare(`SELECT e.seq FROM ${log} e WHERE e.type = ? AND e.seq <= ? AND ${prunable} ORDER BY e.seq LIMIT ?`).pluck();
  const oldest = db.prepare(`SELECT e.seq FROM ${log} e WHERE e.seq <= ? AND ${prunable} ORDER BY e.seq LIMIT ?`).pluck();
  const countType = db.prepare('SELECT COUNT(*) FROM events WHERE type = ?').pluck();
  const countAll = db.prepare('SELECT COUNT(*) FROM events').pluck();
  // Bytes of a row, estimated from the newest rows of a type (the columns that vary, plus overhead).
  const sampleBytes = db
    .prepare(
      `SELECT AVG(80 + length(id) + length(source) + length(type) + length(time) + length(data) + COALESCE(length(subject), 0) + COALESCE(length(partitionkey), 0)
         + COALESCE(length(causationid), 0) + COALESCE(length(correlationid), 0) + COALESCE(length(extensions), 0) + COALESCE(length(raw_payload), 0) + COALESCE(length(raw_topic), 0))
       FROM (SELECT * FROM ${log} WHERE type = ? ORDER BY seq DESC LIMIT 200)`,
    )
    .pluck();
  const deleteSeq = db.prepare(`DELETE FROM ${log} WHERE seq = ?`);
  const typeOf = db.prepare('SELECT type FROM events WHERE seq = ?').pluck();

  /** Moves the tail into the indexed table first: an event is pruned by its age wherever it sits. */
  function foldTail(): void {
    try {
      db.transaction(() => store.fold(1))();
    } catch (err) {
      // The fold rolled back: the store reloads what it knows of the tail.
      store.resetHead();
      throw err;
    }
  }

  function ruleFor(type: string): RetentionRule {
    if (policy.types[type]) return policy.types[type]!;
    let best: { length: number; rule: RetentionRule } | undefined;
    for (const [pattern, rule] of Object.entries(policy.types)) {
      if (!pattern.endsWith('*')) continue;
      const prefix = pattern.slice(0, -1);
      if (type.startsWith(prefix) && (!best || prefix.length > best.length)) best = { length: prefix.length, rule };
    }
    return best?.rule ?? {};
  }

  /** The highest position that may be pruned: below every consumer's position, and never the head. */
  function limit(): number {
    return Math.min(protectedFrom(), (head.get() as number) - 1);
  }

  /** Positions to delete, by type, at most `max` in all. */
  function select(now: number, max: number): number[] {
    const upTo = limit();
    const out: number[] = [];
    if (upTo < 1) return out;
    for (const type of types.all() as string[]) {
      if (out.length >= max) break;
      const rule = ruleFor(type);
      const maxAge = rule.maxAge ?? policy.maxAge;
      const cutoff = new Date(now - maxAge).toISOString();
      const bound = Math.min(upTo, (lastBefore.get(cutoff) as number | undefined) ?? 0);
      if (bound > 0) out.push(...(byAge.all(type, bound, cutoff, max - out.length) as number[]));
      if (rule.maxBytes !== undefined && out.length < max) {
        const rowBytes = (sampleBytes.get(type) as number | null) ?? 0;
        const over = Math.ceil(((countType.get(type) as number) * rowBytes - rule.maxBytes) / Math.max(1, rowBytes));
        if (over > 0) {
          const chosen = new Set(out);
          for (const seq of oldestOfType.all(type, upTo, Math.min(over, max - out.length) + chosen.size) as number[]) {
            if (!chosen.has(seq) && out.length < max) out.push(seq);
          }
        }
      }
    }
    const used = usedBytes();
    if (used > policy.maxBytes && out.length < max) {
      const total = countAll.get() as number;
      const perRow = used / Math.max(1, total);
      const over = Math.ceil((used - policy.maxBytes) / perRow) - out.length;
      if (over > 0) {
        const chosen = new Set(out);
        for (const seq of oldest.all(upTo, Math.min(over, max - out.length) + chosen.size) as number[]) {
          if (!chosen.has(seq) && out.length < max) out.push(seq);
        }
      }
    }
    return out;
  }

  function usedBytes(): number {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
    return pages * pageSize;
  }

  return {
    plan(now, max = Number.MAX_SAFE_INTEGER) {
      foldTail();
      const byType: Record<string, number> = {};
      for (const seq of select(now, max)) {
        const type = typeOf.get(seq) as string;
        byType[type] = (byType[type] ?? 0) + 1;
      }
      return { byType, total: sum(byType) };
    },
    pruneBatch(now, batch) {
      foldTail();
      const byType: Record<string, number> = {};
      db.transaction(() => {
        for (const seq of select(now, batch)) {
          const type = typeOf.get(seq) as string;
          if (deleteSeq.run(seq).changes > 0) byType[type] = (byType[type] ?? 0) + 1;
        }
      })();
      return byType;
    },
    count: () => countAll.get() as number,
  };
}
