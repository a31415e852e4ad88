// Config of the links to other brokers: flags and variables, safe defaults, credentials kept out of logs.
import { describe, expect, it } from 'vitest';
import { loadConfig, overridesFromEnv } from '../../gateway/config/load-config.ts';
import { FirstlightError } from '../../gateway/errors.ts';
import { resolveLink } from '../../gateway/broker/link-options.ts';
import { tempDir } from '../helpers/gateway-process.ts';

function load(flags: Record<string, string>, env: Record<string, string> = {}) {
  const dir = tempDir();
  try {
    return loadConfig(flags, overridesFromEnv(env), dir.path);
  } finally {
    dir.remove();
  }
}

describe('broker and uplink config', () => {
  it('uses the embedded broker and no uplink unless told otherwise', () => {
    const config = load({});
    expect(config.broker).toBeUndefined();
    expect(config.uplink).toBeUndefined();
  });

  it('takes the external broker from --broker and its password from the environment, with defaults', () => {
    const config = load({ broker: 'mqtt://localhost:1883', brokerUsername: 'firstlight' }, { FIRSTLIGHT_BROKER_PASSWORD: 's3cret' });
    expect(config.broker).toEqual({
      url: 'mqtt://localhost:1883',
      username: 'firstlight',
      password: 's3cret',
      keepalive: 30_000,
      rejectUnauthorized: true,
      reconnect: { min: 1000, max: 60_000 },
      publishTimeout: 30_000,
    });
  });

  it('forwards nothing by default when an uplink is set: the allow-list starts empty', () => {
    const config = load({}, { FIRSTLIGHT_UPLINK: 'mqtts://fleet.example.com:8883' });
    expect(config.uplink).toMatchObject({
      url: 'mqtts://fleet.example.com:8883',
      types: [],
      topic: 'sites/{site}/events/{type}',
      contentMode: 'auto',
      protocol: 'auto',
      window: 100,
      from: 'end',
      inbox: { enabled: true, topic: 'sites/{site}/inbox/#' },
    });
  });

  it('refuses a broker URL that is not mqtt:// or mqtts://, naming the setting', () => {
    try {
      load({ broker: 'http://localhost:1883' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FirstlightError);
      expect((err as FirstlightError).code).toBe('FL_ERR_CONFIG_INVALID');
      expect((err as FirstlightError).details.join('\n')).toMatch(/^broker\.url: /m);
    }
  });

  it('takes credentials from the URL, lets the config override them, and keeps them out of the URL it shows', () => {
    const link = resolveLink({ url: 'mqtts://gw%40b:p%3Ass@fleet.example.com', keepalive: 30_000, rejectUnauthorized: true, reconnect: { min: 1000, max: 60_000 } }, 'firstlight-b-uplink');
    expect(link).toMatchObject({ url: 'mqtts://fleet.example.com:8883', clientId: 'firstlight-b-uplink', options: { username: 'gw@b', password: 'p:ss', keepalive: 30, rejectUnauthorized: true } });
    const overridden = resolveLink({ url: 'mqtt://u:p@h:1884', username: 'other', keepalive: 5000, rejectUnauthorized: true, reconnect: { min: 1, max: 2 } }, 'x');
    expect(overridden.options).toMatchObject({ username: 'other', password: 'p' });
    expect(overridden.url).toBe('mqtt://h:1884');
  });

  it('says which CA file it cannot read', () => {
    try {
      resolveLink({ url: 'mqtts://h', caFile: '/nonexistent/ca.pem', keepalive: 30_000, rejectUnauthorized: true, reconnect: { min: 1, max: 2 } }, 'x');
      expect.unreachable();
    } catch (err) {
      expect((err as FirstlightError).code).toBe('FL_ERR_BROKER_CA_FILE');
      expect((err as Error).message).toContain('/nonexistent/ca.pem');
    }
  });
});
