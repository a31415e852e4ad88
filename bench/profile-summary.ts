// Summarises a V8 CPU profile (node --cpu-prof; `npm run bench -- --cpu-prof` writes the gateway's):
// shares of busy time by package or file, and the top functions by self and by inclusive time.
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const REPO = fileURLToPath(new URL('../', import.meta.url));

/** Where a frame's code lives: a package, a file of this repository, Node's own code, or V8. */
function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? fileURLToPath(url.split('?')[0]!) : url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith(REPO)) return relative(REPO, path).replace(/^bench\/out\/\.run-[^/]+\//, '');
  return path;
}

export function summarize(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const place = placeOf(f.url, f.functionName);
    return `${f.functionName || '(anonymous)'} ${place}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  };

  const byPlace = new Map<string, number>();
  const selfByFn = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    if (n.callFrame.functionName === '(idle)') continue;
    const place = placeOf(n.callFrame.url, n.callFrame.functionName);
    byPlace.set(place, (byPlace.get(place) ?? 0) + t);
    selfByFn.set(label(n), (selfByFn.get(label(n)) ?? 0) + t);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + t);
    }
  }
  const pct = (t: number): string => `${((t / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number): string =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `  ${pct(t)}  ${k}`).join('\n');
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return [
    `profile: ${seconds.toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)}%); shares are of busy time`,
    '',
    'self time by place:',
    list(byPlace, top),
    '',
    'top functions by self time:',
    list(selfByFn, top),
    '',
    'top functions by inclusive time:',
    list(inclusive, top * 2),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top N]\n');
    process.exit(2);
  }
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 25;
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, top)}\n`);
}
