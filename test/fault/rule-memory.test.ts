// A rule that exhausts memory does not take the gateway down: under a stream of QoS 1 publishes, the
// gateway process keeps acknowledging and storing every message while the rule is struck and disabled.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';
import { rulesProject } from '../helpers/rules-project.ts';

const project = rulesProject();
afterAll(() => project.cleanup());

project.write(
  'hog.ts',
  `
import { defineRule } from 'firstlight';
// Every 100th reading, it keeps everything it ever allocates: a leak that runs away.
const kept: number[][] = [];
export default defineRule({
  name: 'hog',
  on: {
    'test.reading'(event, ctx) {
      if ((event.data as { n: number }).n % 100 === 99) for (;;) kept.push(new Array(100_000).fill(1));
      ctx.emit('hog.saw', {});
    },
  },
});
`,
);
project.write(
  'echo.ts',
  `
import { defineRule } from 'firstlight';
export default defineRule({
  name: 'echo',
  on: { 'test.reading': (event, ctx) => ctx.emit('test.echo', { n: (event.data as { n: number }).n }) },
});
`,
);
const event = (n: number) => JSON.stringify({ specversion: '1.0', id: `m-${n}`, source: '/tests/loader', type: 'test.reading', data: { n } });

describe('a rule that exhausts its memory, in a running gateway', () => {
  it('is struck three times and disabled; every publish is acknowledged, stored and echoed; the gateway stops cleanly', async () => {
    const gateway = await startGatewayProcess({ data: project.data, rules: project.rules, extra: ['--config', writeConfig()] });
    const client = await connect(gateway.url, 'loader');
    const total = 500;
    // One at a time in small groups, so that each strike lands in its own commit.
    for (let n = 0; n < total; n += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => client.publishAsync('cloudevents/loader', event(n + i), { qos: 1 })));
    }
    await client.endAsync();
    expect(gateway.proc.exitCode).toBeNull();
    // The API says which rule was disabled, and why.
    const { rules } = (await (await fetch(`${gateway.httpUrl}/api/rules`)).json()) as { rules: Array<Record<string, unknown>> };
    expect(rules.find((r) => r.name === 'hog')).toMatchObject({ isolation: 'worker', strikes: 3, disabled: true, status: 'disabled' });
    expect(rules.find((r) => r.name === 'echo')).toMatchObject({ isolation: 'worker', strikes: 0, status: 'ok' });
    expect(await gateway.stop()).toBe(0);

    const db = new Database(join(project.data, 'firstlight.db'), { readonly: true });
    const count = (type: string): number => db.prepare('SELECT COUNT(*) FROM events WHERE type = ?').pluck().get(type) as number;
    expect(count('test.reading')).toBe(total);
    expect(count('test.echo')).toBe(total);
    const failures = db.prepare("SELECT json_extract(data, '$.error') FROM events WHERE type = 'rule.failed' ORDER BY seq").pluck().all() as string[];
    expect(failures).toHaveLength(3);
    expect(failures.every((f) => f.includes('out of memory past the 32 MB heap limit'))).toBe(true);
    expect(failures[2]).toContain('disabled after repeated strikes');
    // Until its third strike the rule kept reacting to everything else; after it, to nothing.
    expect(count('hog.saw')).toBe(299 - 2);
    db.close();
  }, 60_000);
});

function writeConfig(): string {
  const file = join(project.root, 'firstlight.json');
  writeFileSync(file, JSON.stringify({ rules: { workerHeapMb: 32 } }));
  return file;
}
