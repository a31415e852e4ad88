// `firstlight export`: writes a stretch of the log as CloudEvents JSON lines, each device fact with
// the device's original MQTT message, so `firstlight simulate --replay` can play the stretch again.
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { FirstlightError } from '../errors.ts';
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import { DB_FILE } from '../gateway.ts';
import { openDatabase } from '../log/database.ts';
import { createEventStore, type EventQuery, type EventStore } from '../log/event-store.ts';
import { parseTime } from './events-command.ts';
import { configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight export [filters] [--out <file>]

Writes a stretch of the log, oldest first, as CloudEvents JSON lines, after the device.discovered
events of the devices known when the stretch begins. Each device fact carries the
device's original MQTT message as the extensions "rawtopic" and "rawpayload", so that
"firstlight simulate --replay <file>" can publish exactly what the devices published, on the
recorded schedule.

Filters:
  --since <time>       RFC 3339 time, or a duration back from now ("15m", "2h", "1d")
  --until <time>       RFC 3339 time, or a duration back from now
  --type <type>        exact type, or a prefix like "sensor.*"
  --key <key>          stream key (the room)
Output:
  -o, --out <file>     write here (default: standard output)
Where the log is:
  -c, --config <file>  config file (default ./firstlight.yaml if present)
      --data <dir>     directory of the log (default ./data)
`;

/** Events are read in pages, so an export of a long stretch does not hold the log in memory. */
const PAGE = 5_000;

export async function runExport(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      data: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      type: { type: 'string' },
      key: { type: 'string' },
      out: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = configFromFlags({ config: values.config, data: values.data });
  const file = join(config.data, DB_FILE);
  if (!existsSync(file)) {
    throw new FirstlightError('FL_ERR_NO_LOG', `no log at ${file}`, ['start the gateway first, or point --data at the directory it writes to']);
  }
  const query: EventQuery = {
    since: values.since === undefined ? undefined : parseTime(values.since, '--since'),
    until: values.until === undefined ? undefined : parseTime(values.until, '--until'),
    type: values.type,
    key: values.key,
  };
  const db = openDatabase({ file, readonly: true });
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  let count = 0;
  try {
    for (const line of exportLines(createEventStore(db), query)) {
      count++;
      // Respect backpressure: a day of a large building is hundreds of megabytes.
      if (!out.write(line + '\n')) await once(out, 'drain');
    }
  } finally {
    db.close();
  }
  if (values.out) {
    out.end();
    await once(out, 'finish');
    process.stderr.write(`firstlight: exported ${count} events to ${values.out}\n`);
  }
  return 0;
}

/** The export's lines: one CloudEvent per event, with the device's original message where there is one. */
export function* exportLines(store: EventStore, query: EventQuery): Generator<string> {
  // A stretch that starts later than the log opens with what the gateway knew of the devices by
  // then, so that a replay can announce them before their first message.
  if (query.since !== undefined && query.type === undefined) {
    const known = new Map<string, LoggedEvent>();
    for (const e of store.query({ type: 'device.discovered', until: query.since })) if (e.time < query.since) known.set(e.subject ?? e.id, e);
    for (const e of [...known.values()].sort((a, b) => a.seq - b.seq)) yield JSON.stringify(exportedEvent(e));
  }
  let after = query.after ?? 0;
  for (;;) {
    const page = store.query({ ...query, after, limit: PAGE, newest: false });
    for (const e of page) yield JSON.stringify(exportedEvent(e));
    if (page.length < PAGE) return;
    after = page.at(-1)!.seq;
  }
}

function exportedEvent(e: LoggedEvent): Record<string, unknown> {
  const { data, ...attributes } = toCloudEventJson(e);
  if (!e.raw) return { ...attributes, data };
  return { ...attributes, rawtopic: e.raw.topic, rawpayload: e.raw.payload, data };
}
