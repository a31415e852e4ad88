// Secure defaults at start: loopback only unless configured, said at start; never beyond this
// machine without passwords; `firstlight passwd` makes the hash the config takes.
import { describe, expect, it } from 'vitest';
import { assertMqttExposure, describeExposure } from '../../gateway/security/exposure.ts';
import { createPasswordChecker } from '../../gateway/security/passwords.ts';
import { spawn } from 'node:child_process';
import { connectAsync } from 'mqtt';
import { once } from 'node:events';
import { REPO, runCli, startGatewayProcess, tempDir } from '../helpers/gateway-process.ts';

const users = { zigbee2mqtt: { passwordHash: 'x' } };

describe('who can reach the broker', () => {
  it('refuses to listen beyond loopback without users, on the plain or the TLS listener', () => {
    expect(() => assertMqttExposure({ host: '127.0.0.1', port: 1883, users: {} })).not.toThrow();
    expect(() => assertMqttExposure({ host: '::1', port: 1883, users: {} })).not.toThrow();
    expect(() => assertMqttExposure({ host: '0.0.0.0', port: 1883, users: {} })).toThrow(expect.objectContaining({ code: 'FL_ERR_MQTT_AUTH_REQUIRED' }));
    expect(() => assertMqttExposure({ host: '127.0.0.1', port: 1883, users: {}, tls: { host: '192.168.1.2', port: 8883 } })).toThrow(/192\.168\.1\.2/);
    expect(() => assertMqttExposure({ host: '0.0.0.0', port: 1883, users })).not.toThrow();
    expect(describeExposure({ host: '0.0.0.0', port: 1883, users }).warnings[0]).toMatch(/unencrypted/);
  });

  it('exits at start with the error and how to fix it, before listening', async () => {
    const data = tempDir();
    try {
      const r = await runCli(['start', '--mqtt-host', '0.0.0.0', '--mqtt-port', '0', '--http-port', '0', '--data', data.path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('[FL_ERR_MQTT_AUTH_REQUIRED]');
      expect(r.stderr).toContain('firstlight passwd');
      expect(r.stderr).toContain('--mqtt-host 127.0.0.1');
    } finally {
      data.remove();
    }
  });

  it('says at start that MQTT and HTTP listen on loopback only', async () => {
    const data = tempDir();
    const gateway = await startGatewayProcess({ data: data.path, rules: data.path });
    try {
      expect(gateway.logs.find((l) => String(l.msg).startsWith('MQTT: loopback only'))).toMatchObject({ auth: expect.stringMatching(/anonymous/) });
      expect(gateway.logs.find((l) => String(l.msg).startsWith('HTTP: loopback only'))).toMatchObject({ http: gateway.httpUrl });
      // An anonymous client on loopback is let in (and the stop below comes after start-up is over).
      const client = await connectAsync(gateway.url, { reconnectPeriod: 0 });
      await client.endAsync();
    } finally {
      expect(await gateway.stop()).toBe(0);
      data.remove();
    }
  });
});

describe('firstlight passwd', () => {
  it('prints a scrypt hash of the password read from standard input, never the password', async () => {
    const r = await runCliWithInput(['passwd', 'dev-a', '--json'], 's3cret pass\n');
    expect(r.code).toBe(0);
    const { user, passwordHash } = JSON.parse(r.stdout) as { user: string; passwordHash: string };
    expect(user).toBe('dev-a');
    expect(r.stdout).not.toContain('s3cret');
    const checker = createPasswordChecker(new Map([['dev-a', passwordHash]]));
    expect(await checker.verify('dev-a', Buffer.from('s3cret pass'))).toBe(true);
    expect(await checker.verify('dev-a', Buffer.from('s3cret'))).toBe(false);
  });

  it('refuses a user name that could not be a topic level', async () => {
    const r = await runCliWithInput(['passwd', 'a/b'], 'x\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('FL_ERR_USAGE');
  });
});

async function runCliWithInput(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['gateway/cli/bin.js', ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdin.end(input);
  const [code] = (await once(proc, 'exit')) as [number];
  return { code, stdout, stderr };
}
