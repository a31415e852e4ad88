// `firstlight init`: a new site that `start` accepts, a config that spells out the real defaults,
// a token stored only as its hash, and no overwriting of an existing setup.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { configSchema } from '../../gateway/config/schema.ts';
import { parseTokenHash, verifyToken } from '../../gateway/http/token.ts';
import { configTemplate } from '../../gateway/ops/init/config-template.ts';
import { runCli, startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';
import { connectAsync } from 'mqtt';

const dirs: { remove(): void }[] = [];
const site = (): string => {
  const d = tempDir('firstlight-init-');
  dirs.push(d);
  return join(d.path, 'site');
};
afterAll(() => dirs.forEach((d) => d.remove()));

/** Every key path of a plain object, e.g. "storage.checkpointInterval". */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k));
}

describe('firstlight init', () => {
  it('creates a setup on an empty directory that start accepts, with the shipped rules running and a device login', async () => {
    const dir = site();
    const init = await runCli(['init', dir, '--site', 'test-site', '--device', 'zigbee2mqtt']);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    const shipped = (init.stdout.match(/with (\d+) shipped rules/) ?? [])[1];

    const gateway = await startGatewayProcess({ data: join(dir, 'data'), rules: join(dir, 'rules'), extra: ['--config', join(dir, 'firstlight.yaml')] });
    try {
      const started = gateway.logs.find((l) => l.msg === 'firstlight started')!;
      // The rules import 'firstlight' from outside the package: they load only if init made that work.
      expect((started.rules as string[]).length).toBe(Number(shipped));
      expect(gateway.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
      expect(started.data).toBe(join(dir, 'data', 'firstlight.db'));
      // It serves the device init made a login for (the password was printed once), and only it.
      const password = /^\s+zigbee2mqtt\s+(\S+)$/m.exec(init.stdout)?.[1];
      expect(readFileSync(join(dir, 'firstlight.yaml'), 'utf8')).not.toContain(password);
      await expect(connectAsync(gateway.url, { reconnectPeriod: 0, clientId: 'anonymous' })).rejects.toThrow();
      const client = await connectAsync(gateway.url, { reconnectPeriod: 0, clientId: 'zigbee2mqtt', username: 'zigbee2mqtt', password });
      // A QoS 1 publish is acknowledged only once committed to the new log.
      await client.publishAsync('cloudevents/zigbee2mqtt/init', JSON.stringify({ specversion: '1.0', id: 'init-1', source: '/tests', type: 'test.ping' }), { qos: 1 });
      await client.endAsync();
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });

  it('refuses to overwrite an existing setup, and changes nothing', async () => {
    const dir = site();
    expect((await runCli(['init', dir])).code).toBe(0);
    const config = join(dir, 'firstlight.yaml');
    writeFileSync(config, 'site: mine\n');
    const again = await runCli(['init', dir, '--http-token']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[FL_ERR_SETUP_EXISTS]');
    expect(again.stderr).toContain(`exists: ${config}`);
    expect(readFileSync(config, 'utf8')).toBe('site: mine\n');
  });

  it('prints an HTTP token once and stores only its hash', async () => {
    const dir = site();
    const { code, stdout } = await runCli(['init', dir, '--http-token']);
    expect(code).toBe(0);
    const token = /^\s+(fl_\S+)$/m.exec(stdout)?.[1];
    expect(token).toBeDefined();
    const text = readFileSync(join(dir, 'firstlight.yaml'), 'utf8');
    expect(text).not.toContain(token);
    expect(statSync(join(dir, 'firstlight.yaml')).mode & 0o077).toBe(0);
    const config = configSchema.parse(parseYaml(text));
    expect(await verifyToken(token!, parseTokenHash(config.http.tokenHash!))).toBe(true);
  });
});

describe('the config file init writes', () => {
  const text = configTemplate({ site: 'home', data: './data', rules: './rules', createdAt: '2026-01-01' });

  it('holds exactly the schema defaults', () => {
    expect(configSchema.parse(parseYaml(text))).toEqual(configSchema.parse({}));
  });

  it('spells out every setting that has a default (add a new one to gateway/ops/init/config-template.ts)', () => {
    const written = new Set(keyPaths(parseYaml(text)));
    const missing = keyPaths(configSchema.parse({})).filter((k) => !written.has(k));
    expect(missing).toEqual([]);
  });
});
