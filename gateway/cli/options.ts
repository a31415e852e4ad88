// Command-line options shared by the commands: where the config and the log are.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, overridesFromEnv, type ConfigOverrides } from '../config/load-config.ts';
import type { Config } from '../config/schema.ts';

export const configFlags = {
  config: { type: 'string', short: 'c' },
  data: { type: 'string' },
  rules: { type: 'string' },
  site: { type: 'string' },
  'mqtt-host': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'http-host': { type: 'string' },
  'http-port': { type: 'string' },
  'http-token-hash': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  broker: { type: 'string' },
  'broker-username': { type: 'string' },
  uplink: { type: 'string' },
  'uplink-username': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const configFlagsHelp = `  -c, --config <file>     config file (YAML or JSON; default ./firstlight.yaml if present)
      --data <dir>        directory of the log (default ./data)
      --rules <dir>       directory of the rules (default ./rules)
      --site <id>         site id, part of every event's source (default home)
      --mqtt-host <host>  MQTT listener address (default 127.0.0.1)
      --mqtt-port <port>  MQTT listener port (default 1883; 0 picks a free one)
      --http-host <host>  HTTP listener address (default 127.0.0.1)
      --http-port <port>  HTTP listener port (default 8080; 0 picks a free one)
      --http-token-hash <hash>  hash of the HTTP bearer token (firstlight token makes one)
      --log-level <level> fatal, error, warn, info, debug, trace or silent (default info)
      --log-format <fmt>  auto, pretty or json (default auto: pretty on a terminal)
      --broker <url>      use an existing broker instead of the embedded one (mqtt://host:1883,
                          mqtts://...; password in FIRSTLIGHT_BROKER_PASSWORD)
      --broker-username <name>  user name for the broker
      --uplink <url>      forward events to (and take the site's inbox from) a central broker;
                          choose what leaves with uplink.types in the config (default: nothing)
      --uplink-username <name>  user name for the central broker (password in FIRSTLIGHT_UPLINK_PASSWORD)
  Every option can also be set as FIRSTLIGHT_<NAME> (e.g. FIRSTLIGHT_MQTT_PORT=1884).
`;

/** Builds the config from parsed flags, the environment and the config file. */
export function configFromFlags(values: Record<string, unknown>): Config {
  const flags: ConfigOverrides = {
    config: values.config as string | undefined,
    data: values.data as string | undefined,
    rules: values.rules as string | undefined,
    site: values.site as string | undefined,
    mqttHost: values['mqtt-host'] as string | undefined,
    mqttPort: values['mqtt-port'] as string | undefined,
    httpHost: values['http-host'] as string | undefined,
    httpPort: values['http-port'] as string | undefined,
    httpTokenHash: values['http-token-hash'] as string | undefined,
    logLevel: values['log-level'] as string | undefined,
    logFormat: values['log-format'] as string | undefined,
    broker: values.broker as string | undefined,
    brokerUsername: values['broker-username'] as string | undefined,
    uplink: values.uplink as string | undefined,
    uplinkUsername: values['uplink-username'] as string | undefined,
  };
  return loadConfig(flags, overridesFromEnv(process.env));
}

export { parseArgs };
