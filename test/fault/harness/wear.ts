// Bytes the gateway process writes per event (SD-card wear): /proc/<pid>/io of a real gateway while a
// publisher sends QoS 1 events of about 400 bytes at a steady rate, and while nothing arrives.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { configSchema } from '../../../gateway/config/schema.ts';
import { longestCheckpointWaitMs } from '../../../gateway/log/checkpointer.ts';
import { spawnGateway, untilAccepting, writeConfig } from './gateway-child.ts';

export interface WearSample {
  label: string;
  events: number;
  seconds: number;
  /** Bytes handed to write(2) per event (WAL frames, checkpoints, logs): what SQLite asked for. */
  writeCallBytesPerEvent: number;
  /** Bytes the kernel sent to the block device per event (after the page cache); 0 on some file systems. */
  deviceBytesPerEvent: number;
  /** write(2) calls in all (the checkpoint after the run included). */
  writeCalls: number;
}

function io(pid: number): { wchar: number; syscw: number; write_bytes: number } {
  const fields = Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(': ') as [string, string])
      .map(([k, v]) => [k, Number(v)]),
  );
  return { wchar: fields.wchar ?? 0, syscw: fields.syscw ?? 0, write_bytes: fields.write_bytes ?? 0 };
}

/**
 * The checkpoint after a run copies its pages into the database file (with the default
 * storage.checkpointInterval, as the harness's config leaves it): wait that out, and a little more,
 * so that those bytes count for the run that caused them and not the next.
 */
const CHECKPOINT_WAIT_MS = longestCheckpointWaitMs(configSchema.parse({}).storage.checkpointInterval) + 500;

const payload = (n: number): string =>
  JSON.stringify({ specversion: '1.0', id: `w-${n}`, source: '/wear', type: 'test.reading', partitionkey: 'lab', data: { nonce: n, celsius: 21.5, pad: 'x'.repeat(280) } });

/**
 * Publishes `rate` events a second for `seconds`, one after the other (rate 0: idle), or a pipelined
 * `burst`, and measures the process's writes.
 */
export async function measureWear(dir: string, port: number, runs: Array<{ label: string; rate: number; seconds: number; burst?: number }>): Promise<WearSample[]> {
  const config = writeConfig(dir, { log: { level: 'warn' } });
  // No rules of the harness: the cost of storing input, not of what rules derive from it.
  mkdirSync(join(dir, 'no-rules'), { recursive: true });
  const gateway = spawnGateway({ data: join(dir, 'data'), port, config, rules: join(dir, 'no-rules') });
  const out: WearSample[] = [];
  try {
    await untilAccepting(gateway, performance.now());
    const client = await connectAsync(gateway.url, { reconnectPeriod: 0, clientId: 'wear' });
    let n = 0;
    for (const run of runs) {
      // Settle: let the start-up's checkpoint happen before measuring (later runs waited already).
      if (out.length === 0) await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_WAIT_MS));
      const before = io(gateway.proc.pid!);
      const started = performance.now();
      const total = run.burst ?? Math.round(run.rate * run.seconds);
      // A burst is pipelined, as a bridge with many devices sends: group commit shares the writes.
      if (run.burst !== undefined) await Promise.all(Array.from({ length: total }, () => client.publishAsync('cloudevents/wear', payload(n++), { qos: 1 })));
      for (let i = 0; run.burst === undefined && i < total; i++) {
        // Paced on purpose: a steady rate is what is being measured.
        const due = started + (i * 1000) / run.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await client.publishAsync('cloudevents/wear', payload(n++), { qos: 1 });
      }
      const rest = run.burst === undefined ? started + run.seconds * 1000 - performance.now() : 0;
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      // The run's own length (idle input is reported per minute of it); the checkpoint that copies
      // its pages into the file afterwards is counted in its bytes and calls.
      const seconds = (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, CHECKPOINT_WAIT_MS));
      const after = io(gateway.proc.pid!);
      const per = Math.max(1, total);
      out.push({
        label: run.label,
        events: total,
        seconds,
        writeCallBytesPerEvent: (after.wchar - before.wchar) / per,
        deviceBytesPerEvent: (after.write_bytes - before.write_bytes) / per,
        writeCalls: after.syscw - before.syscw,
      });
    }
    await client.endAsync();
  } finally {
    await gateway.stop('SIGTERM');
  }
  return out;
}
