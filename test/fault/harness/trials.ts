// One crash trial each: kill -9 at a random moment under QoS 1 load, a crash at a named commit
// boundary (FIRSTLIGHT_TEST_FAULT), and SIGTERM under load; each checks the oracle after the crash
// and again after a restart that takes the publishers' resends.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultPoint } from '../../../gateway/fault-points.ts';
import { spawnGateway, untilAccepting, writeConfig, type GatewayChild } from './gateway-child.ts';
import { republish, startLoad } from './load.ts';
import { inspect, problems } from './oracle.ts';

export interface TrialResult {
  name: string;
  acknowledged: number;
  missing: number;
  duplicated: number;
  /** The gateway died without being told to (a crash the trial did not cause). */
  crashes: number;
  /** Invariant problems other than missing and duplicated (integrity, positions, rule outputs). */
  violations: string[];
  /** From restart to the first CONNACK. */
  restartMs: number;
  /** From SIGTERM to exit (graceful stop trials). */
  stopMs?: number;
}

export interface TrialSetup {
  /** The data directory (created by the caller, reused across the trials of one chain). */
  dir: string;
  port: number;
  /** Nonces already used in this directory: each trial takes fresh ones. */
  nextNonce: number;
}

const dbFile = (setup: TrialSetup): string => join(setup.dir, 'data', 'firstlight.db');

function start(setup: TrialSetup, env?: Record<string, string>): GatewayChild {
  const config = writeConfig(setup.dir, { commands: { confirmTimeout: 0 } });
  return spawnGateway({ data: join(setup.dir, 'data'), port: setup.port, config, env });
}

/** After a crash: check, restart, take resends (all unacked, and some acked ones again), check again. */
async function recover(setup: TrialSetup, name: string, acked: Set<number>, sent: number[], crashes: number): Promise<TrialResult> {
  const afterCrash = inspect(dbFile(setup), acked);
  const violations = problems(afterCrash).filter((p) => !/acknowledged but missing|stored twice/.test(p));
  const restartedAt = performance.now();
  const gateway = start(setup);
  try {
    const restartMs = await untilAccepting(gateway, restartedAt);
    // A publisher resends what was not acknowledged; some acknowledged ones are resent too (a
    // PUBACK lost in the crash looks the same to the client), and must not be stored twice.
    const again = [...sent.filter((n) => !acked.has(n)), ...[...acked].filter((n) => n % 7 === 0)];
    await republish(gateway.url, again);
    const code = await gateway.stop('SIGTERM');
    if (code !== 0) violations.push(`clean stop after recovery exited with ${code}`);
    const final = inspect(dbFile(setup), sent);
    violations.push(...problems(final).map((p) => `after recovery: ${p}`));
    return { name, acknowledged: acked.size, missing: afterCrash.missing.length, duplicated: final.duplicated.length, crashes, violations, restartMs };
  } finally {
    await gateway.stop('SIGKILL');
  }
}

/**
 * kill -9 trials in a chain: each trial loads the running gateway, kills it at a uniformly random
 * number of acknowledgements into the burst (plus 0-3 ms), checks the log, restarts it (timed) and
 * resends; the restarted gateway carries the next trial. Ends with a clean stop and a final check.
 */
export async function killChain(setup: TrialSetup, options: { trials: number; messages: number; publishers: number; random?: () => number }): Promise<TrialResult[]> {
  const random = options.random ?? Math.random;
  const results: TrialResult[] = [];
  const allSent: number[] = [];
  let gateway = start(setup);
  try {
    await untilAccepting(gateway, performance.now());
    for (let t = 0; t < options.trials; t++) {
      const from = setup.nextNonce;
      setup.nextNonce += options.messages;
      const sent = Array.from({ length: options.messages }, (_, i) => from + i);
      allSent.push(...sent);
      const target = 1 + Math.floor(random() * options.messages * 0.9);
      let killed = false;
      const victim = gateway;
      const load = await startLoad(victim.url, {
        from,
        count: options.messages,
        publishers: options.publishers,
        onAck(n) {
          if (killed || n < target) return;
          killed = true;
          setTimeout(() => victim.proc.kill('SIGKILL'), Math.floor(random() * 4));
        },
      });
      await load.finished;
      if (!killed) victim.proc.kill('SIGKILL');
      const ended = await victim.exited;
      const acked = new Set(load.acked);
      await load.stop();
      const afterCrash = inspect(dbFile(setup), acked);
      const violations = problems(afterCrash).filter((p) => !/acknowledged but missing/.test(p));
      const restartedAt = performance.now();
      gateway = start(setup);
      const restartMs = await untilAccepting(gateway, restartedAt);
      // The publishers resend what was not acknowledged, and some acknowledged messages again (a
      // PUBACK lost in the crash looks the same to a client): none may be stored twice.
      await republish(gateway.url, [...sent.filter((n) => !acked.has(n)), ...[...acked].filter((n) => n % 7 === 0)]);
      results.push({
        name: 'kill -9 under QoS 1 load',
        acknowledged: acked.size,
        missing: afterCrash.missing.length,
        duplicated: afterCrash.duplicated.length,
        crashes: ended === 'SIGKILL' ? 0 : 1,
        violations,
        restartMs,
      });
    }
    const code = await gateway.stop('SIGTERM');
    const final = inspect(dbFile(setup), allSent);
    const last = results.at(-1)!;
    if (code !== 0) last.violations.push(`clean stop at the end exited with ${code}`);
    last.duplicated += final.duplicated.length;
    last.violations.push(...problems(final).map((p) => `at the end: ${p}`));
    return results;
  } finally {
    await gateway.stop('SIGKILL');
  }
}

/** A crash at the n-th pass of a commit boundary, under a steady QoS 1 stream. */
export async function faultTrial(setup: TrialSetup, point: FaultPoint, n: number, options: { messages: number }): Promise<TrialResult> {
  const gateway = start(setup, { FIRSTLIGHT_TEST_FAULT: `${point}:${n}` });
  const from = setup.nextNonce;
  setup.nextNonce += options.messages;
  const sent = Array.from({ length: options.messages }, (_, i) => from + i);
  let crashes = 0;
  let acked = new Set<number>();
  try {
    // It may die while it starts (a crash point on the first commits): that is a trial too.
    const up = await untilAccepting(gateway, performance.now()).then(
      () => true,
      () => false,
    );
    if (up) {
      const load = await startLoad(gateway.url, { from, count: options.messages, publishers: 2 });
      await Promise.race([load.finished, gateway.exited]);
      await load.finished;
      acked = new Set(load.acked);
      await load.stop();
    }
    // The point may lie beyond this workload: then the trial ends with a kill of its own.
    if (gateway.proc.exitCode === null && gateway.proc.signalCode === null) gateway.proc.kill('SIGKILL');
    const ended = await gateway.exited;
    if (ended !== 'SIGKILL') crashes++;
    return await recover(setup, `crash at ${point}:${n}`, acked, sent, crashes);
  } finally {
    await gateway.stop('SIGKILL');
  }
}

/** SIGTERM at a random moment under load: exits within 5 s with code 0, nothing acknowledged lost. */
export async function sigtermTrial(setup: TrialSetup, options: { messages: number; publishers: number; random?: () => number }): Promise<TrialResult> {
  const random = options.random ?? Math.random;
  const gateway = start(setup);
  const from = setup.nextNonce;
  setup.nextNonce += options.messages;
  const sent = Array.from({ length: options.messages }, (_, i) => from + i);
  const violations: string[] = [];
  try {
    await untilAccepting(gateway, performance.now());
    const target = 1 + Math.floor(random() * options.messages * 0.8);
    let stopping: Promise<number | NodeJS.Signals> | undefined;
    let signalledAt = 0;
    const load = await startLoad(gateway.url, {
      from,
      count: options.messages,
      publishers: options.publishers,
      onAck(n) {
        if (stopping || n < target) return;
        signalledAt = performance.now();
        stopping = gateway.stop('SIGTERM');
      },
    });
    await load.finished;
    signalledAt ||= performance.now();
    stopping ??= gateway.stop('SIGTERM');
    const code = await stopping;
    const stopMs = performance.now() - signalledAt;
    if (code !== 0) violations.push(`SIGTERM exited with ${code}`);
    if (stopMs > 5000) violations.push(`SIGTERM took ${Math.round(stopMs)} ms`);
    const acked = new Set(load.acked);
    await load.stop();
    // A clean stop leaves nothing to recover: the log is checked as it was left.
    const verdict = inspect(dbFile(setup), acked);
    violations.push(...problems(verdict).filter((p) => !/acknowledged but missing|stored twice/.test(p)));
    const wal = `${dbFile(setup)}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) violations.push(`the WAL was left with ${statSync(wal).size} bytes`);
    return { name: 'SIGTERM under load', acknowledged: acked.size, missing: verdict.missing.length, duplicated: verdict.duplicated.length, crashes: 0, violations, restartMs: 0, stopMs };
  } finally {
    await gateway.stop('SIGKILL');
  }
}
