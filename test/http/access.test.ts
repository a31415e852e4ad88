// Who may read the API: loopback by default; bound to any other address, a gateway refuses to start
// without a token, and with one it refuses every request that does not carry it.
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, startGatewayProcess, tempDir, type GatewayProcess } from '../helpers/gateway-process.ts';
import { createToken, hashToken, parseTokenHash, verifyToken } from '../../gateway/http/token.ts';

const data = tempDir();
let gateway: GatewayProcess | undefined;
afterAll(async () => {
  await gateway?.stop();
  data.remove();
});

describe('bearer tokens', () => {
  it('verify only the token they were made from, and keep no copy of it', async () => {
    const { token, tokenHash } = await createToken();
    expect(token).toMatch(/^fl_[A-Za-z0-9_-]{43}$/);
    expect(tokenHash).not.toContain(token.slice(3));
    const hash = parseTokenHash(tokenHash);
    expect(await verifyToken(token, hash)).toBe(true);
    expect(await verifyToken(token + 'x', hash)).toBe(false);
    expect(await verifyToken((await createToken()).token, hash)).toBe(false);
    // Salted: the same token hashes differently each time.
    expect(await hashToken(token)).not.toBe(tokenHash);
  });

  it('are made by `firstlight token`, which prints the hash to configure', async () => {
    const text = await runCli(['token']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^token: fl_\S+\nhash:  scrypt\$16384\$8\$1\$\S+\$\S+\n/);
    expect(text.stdout).toContain("tokenHash: 'scrypt$");
  });
});

describe('an HTTP server bound beyond loopback', () => {
  it('does not start without a token, and says how to make one', async () => {
    const { code, stderr } = await runCli(['start', '--http-host', '0.0.0.0', '--http-port', '0', '--mqtt-port', '0', '--data', join(data.path, 'no-token'), '--log-format', 'json']);
    expect(code).toBe(1);
    expect(stderr).toContain('[FL_ERR_HTTP_TOKEN_REQUIRED]');
    expect(stderr).toContain('firstlight token');
  });

  it('rejects a token hash that is not one, as a config error', async () => {
    const { code, stderr } = await runCli(['start', '--http-token-hash', 'hunter2', '--http-port', '0', '--mqtt-port', '0', '--data', join(data.path, 'bad-hash')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/- http\.tokenHash: not a token hash/);
  });

  let token = '';
  it('refuses every request without the token (and the token in a query string), serves the one with it', async () => {
    const made = JSON.parse((await runCli(['token', '--json'])).stdout) as { token: string; tokenHash: string };
    token = made.token;
    const tokenHash = made.tokenHash;
    gateway = await startGatewayProcess({ data: join(data.path, 'lan'), extra: ['--http-host', '0.0.0.0', '--http-token-hash', tokenHash] });
    expect(gateway.httpUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const base = gateway.httpUrl.replace('0.0.0.0', '127.0.0.1');
    const fetchWith = (path: string, auth?: string) => fetch(base + path, auth ? { headers: { authorization: auth } } : {});

    for (const path of ['/api/events', '/api/rooms', '/api/why/hall', '/api/feed', '/health', '/metrics']) {
      const r = await fetchWith(path);
      expect(r.status, path).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Bearer realm="firstlight"');
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FL_ERR_HTTP_UNAUTHORIZED');
    }
    expect((await fetchWith('/api/events', `Bearer ${token}x`)).status).toBe(401);
    expect((await fetchWith('/api/events', `Basic ${Buffer.from(`u:${token}`).toString('base64')}`)).status).toBe(401);
    expect((await fetchWith(`/api/events?access_token=${token}`)).status).toBe(401);

    const ok = await fetchWith('/api/events', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { events: unknown[] }).events.length).toBeGreaterThan(0);
    expect((await fetchWith('/metrics', `Bearer ${token}`)).status).toBe(200);
    const feed = await fetchWith('/api/feed', `Bearer ${token}`);
    expect(feed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await feed.body?.cancel();
    // The page itself holds no data: it loads, then asks for the token.
    const page = await fetchWith('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('token-dialog');
  });

  it('makes a client that keeps guessing wait, even once it has the right token', async () => {
    const base = gateway!.httpUrl.replace('0.0.0.0', '127.0.0.1');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await fetch(`${base}/api/events`, { headers: { authorization: `Bearer fl_wrong${i}` } })).status);
    // 401 until this address has failed 10 times in a minute (the test above failed some), then 429.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(-1);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    expect((await fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(429);
  });
});
