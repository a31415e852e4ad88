// Who can reach the embedded broker: loopback only unless configured otherwise, and never beyond
// this machine without passwords (as Mosquitto 2 does). Checked before anything starts.
import { FirstlightError } from '../errors.ts';
import { isLoopback } from '../http/access.ts';

export interface MqttExposure {
  host: string;
  port: number;
  users: Readonly<Record<string, unknown>>;
  tls?: { host?: string | undefined; port: number } | undefined;
}

/** Refuses to listen beyond loopback when no device users are configured. */
export function assertMqttExposure(mqtt: MqttExposure): void {
  const open = [mqtt.host, ...(mqtt.tls ? [mqtt.tls.host ?? mqtt.host] : [])].filter((h) => !isLoopback(h));
  if (open.length === 0 || Object.keys(mqtt.users).length > 0) return;
  throw new FirstlightError('FL_ERR_MQTT_AUTH_REQUIRED', `the MQTT broker would listen on ${open[0]}, beyond this machine, without passwords`, [
    'make a password hash for each device user: firstlight passwd zigbee2mqtt',
    'and put it in firstlight.yaml under mqtt.users, e.g.\n      mqtt:\n        host: 0.0.0.0\n        users:\n          zigbee2mqtt: { passwordHash: "scrypt$..." }',
    'or listen on loopback only: --mqtt-host 127.0.0.1',
  ]);
}

/** One line for the start log: where devices can connect from, and how they log in. */
export function describeExposure(mqtt: MqttExposure): { reach: string; auth: string; warnings: string[] } {
  const local = isLoopback(mqtt.host) && (!mqtt.tls || isLoopback(mqtt.tls.host ?? mqtt.host));
  const users = Object.keys(mqtt.users).length;
  const warnings: string[] = [];
  if (!isLoopback(mqtt.host) && mqtt.tls) {
    warnings.push(`plain MQTT on ${mqtt.host}:${mqtt.port} sends passwords unencrypted over the network; devices that can should use the TLS listener`);
  } else if (!isLoopback(mqtt.host)) {
    warnings.push(`plain MQTT on ${mqtt.host}:${mqtt.port} sends passwords unencrypted over the network; consider mqtt.tls`);
  }
  return {
    reach: local
      ? 'loopback only: devices on other machines cannot connect (set mqtt.host and mqtt.users to let them)'
      : 'reachable from the network',
    auth: users > 0 ? `${users} user(s); anonymous clients refused; topics limited per user` : 'anonymous (no mqtt.users configured)',
    warnings,
  };
}

/** The same for the HTTP API and dashboard. */
export function describeHttpExposure(http: { host: string; tokenHash?: string | undefined }): string {
  if (isLoopback(http.host)) return 'loopback only: the dashboard and the API answer on this machine only (set http.host and http.tokenHash to open them)';
  return `reachable from the network on ${http.host}, with a bearer token`;
}
