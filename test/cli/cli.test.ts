// The firstlight command as a user runs it: config errors, and reading the log with filters.
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { connect } from '../helpers/mqtt.ts';

const data = tempDir();
afterAll(() => data.remove());

describe('firstlight start', () => {
  it('refuses an invalid config with the path of each error and exit code 2', async () => {
    const file = join(data.path, 'broken.yaml');
    writeFileSync(file, 'mqtt:\n  port: -1\nlog:\n  level: loud\n');
    const { code, stderr } = await runCli(['start', '--config', file, '--data', data.path]);
    expect(code).toBe(2);
    expect(stderr).toContain('[FL_ERR_CONFIG_INVALID]');
    expect(stderr).toMatch(/- mqtt\.port: /);
    expect(stderr).toMatch(/- log\.level: /);
  });

  it('says what to do when the port is taken', async () => {
    const first = await startGatewayProcess({ data: join(data.path, 'a') });
    const { code, stderr } = await runCli(['start', '--mqtt-port', String(first.port), '--data', join(data.path, 'b'), '--log-format', 'json']);
    await first.stop();
    expect(code).toBe(1);
    expect(stderr).toContain('[FL_ERR_PORT_IN_USE]');
  });

  it('rejects unknown commands and flags as usage errors', async () => {
    expect((await runCli(['launch'])).code).toBe(2);
    expect((await runCli(['start', '--mqtt-prot', '1'])).code).toBe(2);
  });
});

describe('firstlight events', () => {
  it('filters by type, key, source and position, and prints CloudEvents JSON lines', async () => {
    const dir = join(data.path, 'events');
    const gateway = await startGatewayProcess({ data: dir });
    const client = await connect(gateway.url);
    const publish = (id: string, type: string, partitionkey: string, source = '/tests') =>
      client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id, source, type, partitionkey, data: { id } }), { qos: 1 });
    await publish('a', 'tariff.changed', 'site');
    await publish('b', 'alarm.raised', 'hall');
    await publish('c', 'alarm.cleared', 'hall', '/other');
    await client.endAsync();

    const lines = async (...args: string[]) => {
      const { code, stdout, stderr } = await runCli(['events', '--data', dir, '--json', ...args]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; sequence: string; type: string });
    };
    expect((await lines('--type', 'alarm.*')).map((e) => e.id)).toEqual(['b', 'c']);
    expect((await lines('--key', 'hall', '--source', '/other')).map((e) => e.id)).toEqual(['c']);
    // The log also holds the gateway's own events (rule activations); these tests look at theirs.
    const all = (await lines()).filter((e) => !e.type.startsWith('rule.'));
    expect(all.map((e) => e.id)).toEqual(['a', 'b', 'c']);
    expect(all[0]).toMatchObject({ specversion: '1.0', type: 'tariff.changed', partitionkey: 'site', datacontenttype: 'application/json', data: { id: 'a' } });
    expect((await lines('--after', String(Number(all[0]!.sequence)), '--limit', '1')).map((e) => e.id)).toEqual(['b']);
    expect((await lines('--limit', '2')).map((e) => e.id)).toEqual(['b', 'c']);

    const text = await runCli(['events', '--data', dir, '--type', 'alarm.raised']);
    expect(text.stdout).toMatch(/alarm\.raised\s+\[hall\] \{"id":"b"\}/);
    expect(await gateway.stop()).toBe(0);
  });

  it('follows new events as they are appended', async () => {
    const dir = join(data.path, 'follow');
    const gateway = await startGatewayProcess({ data: dir });
    const { spawn } = await import('node:child_process');
    const { REPO } = await import('../helpers/gateway-process.ts');
    const follower = spawn(process.execPath, ['gateway/cli/bin.js', 'events', '--data', dir, '--json', '--follow', '--type', 'test.followed'], { cwd: REPO });
    let out = '';
    const seen = new Promise<void>((resolve) =>
      follower.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"id":"f2"')) resolve();
      }),
    );
    const client = await connect(gateway.url);
    for (const id of ['f1', 'f2']) {
      await client.publishAsync('cloudevents/t', JSON.stringify({ specversion: '1.0', id, source: '/t', type: 'test.followed' }), { qos: 1 });
    }
    await seen;
    follower.kill('SIGINT');
    await client.endAsync();
    await gateway.stop();
    expect(out.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['f1', 'f2']);
  });

  it('says where it looked when there is no log', async () => {
    const { code, stderr } = await runCli(['events', '--data', join(data.path, 'empty')]);
    expect(code).toBe(1);
    expect(stderr).toContain('[FL_ERR_NO_LOG]');
  });
});
