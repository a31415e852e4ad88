// Turns a link's config (URL, credentials, TLS, keepalive) into mqtt.js options, keeping secrets
// out of anything that gets logged.
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { FirstlightError } from '../errors.ts';

export interface LinkConfig {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  clientId?: string | undefined;
  keepalive: number;
  caFile?: string | undefined;
  rejectUnauthorized: boolean;
  reconnect: { min: number; max: number };
}

export interface ResolvedLink {
  /** scheme://host:port, without credentials: safe to log and to put in events. */
  url: string;
  clientId: string;
  /** mqtt.js options shared by every connection attempt (no protocol or session choices yet). */
  options: IClientOptions;
  backoff: { minMs: number; maxMs: number };
}

/** Credentials may be in the URL (mqtt://user:pass@host) or in the config; the config wins. */
export function resolveLink(config: LinkConfig, defaultClientId: string): ResolvedLink {
  const parsed = new URL(config.url);
  const secure = parsed.protocol === 'mqtts:';
  const port = parsed.port || (secure ? '8883' : '1883');
  const url = `${parsed.protocol}//${parsed.hostname.includes(':') ? `[${parsed.hostname}]` : parsed.hostname}:${port}`;
  const username = config.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined);
  const password = config.password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined);
  const options: IClientOptions = {
    clientId: config.clientId ?? defaultClientId,
    keepalive: Math.max(1, Math.round(config.keepalive / 1000)),
    // A TCP connect into a blackhole must not hang an attempt for mqtt.js's default 30 s.
    connectTimeout: 10_000,
    ...(username !== undefined && { username }),
    ...(password !== undefined && { password }),
  };
  if (secure) {
    options.rejectUnauthorized = config.rejectUnauthorized;
    if (config.caFile) options.ca = readCa(config.caFile);
  }
  return { url, clientId: options.clientId!, options, backoff: { minMs: config.reconnect.min, maxMs: config.reconnect.max } };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FirstlightError('FL_ERR_BROKER_CA_FILE', `cannot read the CA file ${file}`, [
      (err as Error).message,
      'caFile must name a PEM file with the certificate of the CA that signed the broker\'s certificate',
    ]);
  }
}
