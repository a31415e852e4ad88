// A test-only crash switch: FIRSTLIGHT_TEST_FAULT=<point>:<n> makes the process SIGKILL itself the
// n-th time it passes <point> (SQLite's "crash at the n-th write" habit). Read once at start; when
// unset, every point is a comparison with undefined, and the wrappers that feed some points are
// not even installed.

export const FAULT_POINTS = [
  /** Inside the transaction, after input events were appended and the rules ran: nothing committed. */
  'ingest.beforeCommit',
  /** Inside the transaction, after a rule appended outputs: neither input nor outputs committed. */
  'rule.beforeCommit',
  /** Right after a commit, before any acknowledgement or command leaves. */
  'commit.afterCommit',
  /** A committed command is about to be handed to the broker. */
  'command.beforePublish',
  /** The broker took a command; the actuator's position is not persisted yet. */
  'command.afterPublish',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

function parse(spec: string | undefined): { point: FaultPoint; n: number } | undefined {
  if (!spec) return undefined;
  const m = /^([a-zA-Z.]+):(\d+)$/.exec(spec);
  if (!m || !(FAULT_POINTS as readonly string[]).includes(m[1]!) || Number(m[2]) < 1) {
    throw new Error(`FIRSTLIGHT_TEST_FAULT must be <point>:<n> with n >= 1 and point one of ${FAULT_POINTS.join(', ')}`);
  }
  return { point: m[1] as FaultPoint, n: Number(m[2]) };
}

const armed = parse(process.env.FIRSTLIGHT_TEST_FAULT);
let passes = 0;

/** Whether a fault is armed at all (so callers can skip installing wrappers). */
export const faultsArmed = armed !== undefined;

/** Crashes the process here if this is the armed point's n-th pass. */
export function faultPoint(point: FaultPoint): void {
  if (armed === undefined || point !== armed.point) return;
  if (++passes === armed.n) process.kill(process.pid, 'SIGKILL');
}
