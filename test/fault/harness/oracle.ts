// Checks the log after a crash, offline, as Jepsen does: what was acknowledged is there, nothing is
// there twice, the file is intact, and each rule's outputs exist exactly up to its position.
import Database from 'better-sqlite3';

export interface Verdict {
  /** Readings in the log (distinct nonces). */
  stored: number;
  /** Acknowledged nonces not in the log (I1). */
  missing: number[];
  /** Nonces stored more than once (I2). */
  duplicated: number[];
  /** PRAGMA integrity_check (I6). */
  integrity: string;
  /** Positions that are not 1..head without holes (I2). */
  seqGaps: number;
  /** Readings whose echo or command exists although the rule's position is before them, or the reverse (I3). */
  outputViolations: string[];
  /** The echo rule's and the actuator's persisted positions, and the log's head. */
  positions: { echo: number | undefined; actuator: number | undefined; head: number };
}

/** Reads a database file that no process is writing (the gateway was killed or stopped). */
export function inspect(file: string, acked: Iterable<number>): Verdict {
  const db = new Database(file, { readonly: true });
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const counts = db
      .prepare(`SELECT json_extract(data, '$.nonce') AS nonce, COUNT(*) AS n FROM events WHERE type = 'test.reading' GROUP BY nonce`)
      .all() as Array<{ nonce: number; n: number }>;
    const stored = new Set(counts.map((c) => c.nonce));
    const missing = [...acked].filter((n) => !stored.has(n)).sort((a, b) => a - b);
    const duplicated = counts.filter((c) => c.n > 1).map((c) => c.nonce);
    const { lo, hi, n } = db.prepare('SELECT MIN(seq) AS lo, MAX(seq) AS hi, COUNT(*) AS n FROM events').get() as { lo: number | null; hi: number | null; n: number };
    const seqGaps = hi === null ? 0 : hi - (lo ?? 1) + 1 - n;
    const position = (name: string) => db.prepare('SELECT position FROM consumers WHERE name = ?').pluck().get(name) as number | undefined;
    const echo = position('echo');
    const outputViolations: string[] = [];
    const rows = db
      .prepare(
        `SELECT r.seq, json_extract(r.data, '$.nonce') AS nonce,
           (SELECT COUNT(*) FROM events e WHERE e.causationid = r.id AND e.type = 'test.echo') AS echoes,
           (SELECT COUNT(*) FROM events c WHERE c.causationid = r.id AND c.type = 'command.light') AS commands
         FROM events r WHERE r.type = 'test.reading'`,
      )
      .all() as Array<{ seq: number; nonce: number; echoes: number; commands: number }>;
    for (const r of rows) {
      const processed = echo !== undefined && r.seq <= echo;
      const wantEcho = processed ? 1 : 0;
      const wantCommands = processed && r.nonce % 10 === 0 ? 1 : 0;
      if (r.echoes !== wantEcho || r.commands !== wantCommands) {
        outputViolations.push(`reading ${r.nonce} (seq ${r.seq}, echo position ${echo}): ${r.echoes} echoes, ${r.commands} commands`);
      }
    }
    return { stored: stored.size, missing, duplicated, integrity, seqGaps, outputViolations, positions: { echo, actuator: position('actuator'), head: hi ?? 0 } };
  } finally {
    db.close();
  }
}

/** The problems in a verdict, one line each; empty when every invariant holds. */
export function problems(v: Verdict): string[] {
  const out: string[] = [];
  if (v.missing.length) out.push(`${v.missing.length} acknowledged but missing: ${v.missing.slice(0, 10).join(', ')}`);
  if (v.duplicated.length) out.push(`${v.duplicated.length} stored twice: ${v.duplicated.slice(0, 10).join(', ')}`);
  if (v.integrity !== 'ok') out.push(`integrity_check: ${v.integrity}`);
  if (v.seqGaps !== 0) out.push(`${v.seqGaps} holes in the positions`);
  if (v.outputViolations.length) out.push(`rule outputs out of step with the position: ${v.outputViolations.slice(0, 5).join('; ')}`);
  if (v.positions.actuator !== undefined && v.positions.actuator > v.positions.head) out.push(`actuator position ${v.positions.actuator} beyond the head ${v.positions.head}`);
  return out;
}
