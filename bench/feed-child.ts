// The feed-cost phases' dashboards: bench/feed-clients.ts as a child process attached to the bench's
// gateway (its HTTP address), started before a "with feed" phase and stopped (SIGINT) after it.
import { join } from 'node:path';
import { spawnTracked, stopChild } from './children.ts';
import { REPO } from './gateway-process.ts';

export interface FeedChild {
  pid: number;
  /** Its report lines ("10 clients: 4,990 events/s each ...", "done: ..."). */
  lines: string[];
  stop(): Promise<string | undefined>;
}

export async function startFeedClients(httpUrl: string, clients: number): Promise<FeedChild> {
  const child = spawnTracked(process.execPath, ['--import', 'tsx', join(REPO, 'bench/feed-clients.ts'), '--url', httpUrl, '--clients', String(clients)], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (d: string): void => void lines.push(...d.split('\n').filter((l) => l.trim()));
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`feed clients did not attach within 20 s: ${lines.join(' | ')}`)), 20_000);
    const check = (): void => {
      if (!lines.some((l) => l.startsWith('attaching'))) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      // The clients' requests are on their way; give them a moment to hold their feeds open.
      setTimeout(resolve, 1500);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`feed clients exited (${code}): ${lines.join(' | ')}`)));
  });
  return {
    pid: child.pid!,
    lines,
    async stop() {
      await stopChild(child, 'SIGINT', 5000);
      return lines.findLast((l) => l.startsWith('done:'));
    },
  };
}
