// Reads what a process costs the machine from /proc: bytes it caused to be written, CPU time, memory.
import { readFileSync } from 'node:fs';
import { readProc } from '../proc-stats.ts';

export interface ProcSample {
  /** performance.now() when read, ms. */
  at: number;
  /** /proc/<pid>/io write_bytes: bytes the process caused to be sent to storage (counted when a page is dirtied). */
  writeBytes: number;
  /** /proc/<pid>/io wchar: bytes passed to write(2) and friends, to any file, pipe or socket. */
  wchar: number;
  /** utime + stime, ms. */
  cpuMs: number;
  rssKb: number;
}

export function readSample(pid: number): ProcSample {
  // CPU and RSS as the load bench reads them (bench/proc-stats.ts); the I/O counters are ours.
  const { at, cpuMs, rssKb } = readProc(pid);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  return { at, writeBytes: field('write_bytes'), wchar: field('wchar'), cpuMs, rssKb };
}

/** Memory by kind (/proc/<pid>/status): anonymous (heap, V8, SQLite cache), file-backed (code), shared memory. */
export function readRssParts(pid: number): { anonKb: number; fileKb: number; shmemKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { anonKb: kb('RssAnon'), fileKb: kb('RssFile'), shmemKb: kb('RssShmem') };
}
