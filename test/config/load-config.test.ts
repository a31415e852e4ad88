// The config: defaults, a YAML or JSON file, FIRSTLIGHT_* variables and flags, with errors by path.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, overridesFromEnv } from '../../gateway/config/load-config.ts';
import { FirstlightError } from '../../gateway/errors.ts';
import { tempDir } from '../helpers/gateway-process.ts';

const dirs: Array<{ remove(): void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
function dir(): string {
  const d = tempDir();
  dirs.push(d);
  return d.path;
}
function errorOf(fn: () => unknown): FirstlightError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FirstlightError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('runs with safe defaults and no file: loopback only, FULL sync, ./data and ./rules', () => {
    const cwd = dir();
    const config = loadConfig({}, {}, cwd);
    expect(config).toMatchObject({
      site: 'home',
      mqtt: { host: '127.0.0.1', port: 1883 },
      http: { host: '127.0.0.1', port: 8080 },
      data: join(cwd, 'data'),
      rules: { dir: join(cwd, 'rules'), options: {} },
      storage: { synchronous: 'FULL', checkpointInterval: 10_000 },
      commands: { maxAge: 60_000 },
    });
    expect(Object.isFrozen(config.mqtt)).toBe(true);
  });

  it('reads ./firstlight.yaml, resolving its paths against the file, and lets env then flags override it', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'firstlight.yaml'), 'site: flat-3\nmqtt:\n  port: 1884\ndata: state\nrules:\n  options:\n    room-presence: { vacancyDelay: 5m }\n');
    expect(loadConfig({}, {}, cwd)).toMatchObject({ site: 'flat-3', mqtt: { port: 1884 }, data: join(cwd, 'state'), rules: { options: { 'room-presence': { vacancyDelay: '5m' } } } });
    const env = overridesFromEnv({ FIRSTLIGHT_MQTT_PORT: '1885', FIRSTLIGHT_SITE: 'from-env', FIRSTLIGHT_DATA: '/var/lib/firstlight' });
    expect(loadConfig({}, env, cwd)).toMatchObject({ site: 'from-env', mqtt: { port: 1885 }, data: '/var/lib/firstlight' });
    expect(loadConfig({ mqttPort: '0' }, env, cwd).mqtt.port).toBe(0);
  });

  it('reads a JSON file named by --config', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'gw.json'), JSON.stringify({ mqtt: { host: '0.0.0.0' }, storage: { synchronous: 'NORMAL' } }));
    expect(loadConfig({ config: 'gw.json' }, {}, cwd)).toMatchObject({ mqtt: { host: '0.0.0.0' }, storage: { synchronous: 'NORMAL' } });
  });

  it('reports every invalid field with its path', () => {
    const cwd = dir();
    writeFileSync(join(cwd, 'firstlight.yaml'), 'mqtt:\n  port: 99999\n  hots: x\nstorage:\n  checkpointInterval: soon\nsite: Big House\n');
    const err = errorOf(() => loadConfig({}, {}, cwd));
    expect(err.code).toBe('FL_ERR_CONFIG_INVALID');
    expect(err.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^site: /),
        expect.stringMatching(/^mqtt\.port: /),
        expect.stringMatching(/^mqtt: .*hots/),
        expect.stringMatching(/^storage\.checkpointInterval: not a duration/),
      ]),
    );
  });

  it('names the flag or variable a bad override came from', () => {
    const cwd = dir();
    expect(errorOf(() => loadConfig({ mqttPort: 'abc' }, {}, cwd)).details).toEqual(['mqtt.port: "abc" from --mqtt-port is not a whole number']);
    expect(errorOf(() => loadConfig({}, overridesFromEnv({ FIRSTLIGHT_HTTP_PORT: '1.5' }), cwd)).details).toEqual([
      'http.port: "1.5" from FIRSTLIGHT_HTTP_PORT is not a whole number',
    ]);
  });

  it('says when a named config file is missing or cannot be parsed', () => {
    const cwd = dir();
    expect(errorOf(() => loadConfig({ config: 'nope.yaml' }, {}, cwd)).code).toBe('FL_ERR_CONFIG_NOT_FOUND');
    writeFileSync(join(cwd, 'bad.yaml'), 'mqtt: [unclosed');
    expect(errorOf(() => loadConfig({ config: 'bad.yaml' }, {}, cwd)).code).toBe('FL_ERR_CONFIG_PARSE');
  });
});
