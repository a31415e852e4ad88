// Reads what a process costs the machine from /proc: bytes it caused to be written, CPU time, memory.
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** performance.now() when read, ms. */
  at: number;
  /** /proc/<pid>/io write_bytes: bytes the process caused to be sent to storage (counted when a page is dirtied). */
  writeBytes: number;
  /** /proc/<pid>/io wchar: bytes passed to write(2) and friends, to any file, pipe or socket. */
  wchar: number;
  /** utime + stime, ms (USER_HZ is 100 on Linux). */
  cpuMs: number;
  rssKb: number;
}

export function readSample(pid: number): ProcSample {
  const at = performance.now();
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(io)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields after its closing parenthesis do not. utime and stime
  // are fields 14 and 15, i.e. 11 and 12 counted from field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return { at, writeBytes: field('write_bytes'), wchar: field('wchar'), cpuMs, rssKb };
}

/** Memory by kind (/proc/<pid>/status): anonymous (heap, V8, SQLite cache), file-backed (code), shared memory. */
export function readRssParts(pid: number): { anonKb: number; fileKb: number; shmemKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { anonKb: kb('RssAnon'), fileKb: kb('RssFile'), shmemKb: kb('RssShmem') };
}
