// Runs every doctor check against a config and collects the findings, in the order a user fixes them.
import { join } from 'node:path';
import type { Config } from '../../config/schema.ts';
import { DB_FILE } from '../../gateway.ts';
import { checkClock, type ClockDeps } from './clock-check.ts';
import { checkDatabase } from './database-check.ts';
import { checkDisk } from './disk-check.ts';
import type { Finding } from './finding.ts';
import { checkFsync } from './fsync-check.ts';
import { checkNode } from './node-check.ts';
import { checkPorts } from './ports-check.ts';
import { checkRules } from './rules-check.ts';

export interface DoctorOptions {
  /** Leaves out the port checks (e.g. while the gateway runs under another user). */
  skipPorts?: boolean;
  clock?: Omit<ClockDeps, 'newestEvent'>;
}

export async function runDoctor(config: Config, options: DoctorOptions = {}): Promise<Finding[]> {
  const dbFile = join(config.data, DB_FILE);
  const database = checkDatabase(dbFile);
  const listeners = [
    // With an external broker (broker.url) the embedded one does not listen.
    ...(config.broker ? [] : [{ name: 'mqtt', host: config.mqtt.host, port: config.mqtt.port }]),
    { name: 'http', host: config.http.host, port: config.http.port },
  ];
  return [
    checkNode(),
    ...checkDisk(config.data),
    checkFsync(config.data, config.storage.synchronous),
    ...(await checkClock({ ...options.clock, newestEvent: database.newestEvent })),
    ...(await checkRules(config.rules.dir, config.rules.options)),
    ...(options.skipPorts ? [] : await checkPorts(listeners, dbFile)),
    ...database.findings,
  ];
}
