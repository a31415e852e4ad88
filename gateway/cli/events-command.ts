// `firstlight events`: reads the log, with filters, as text or CloudEvents JSON lines, and follows it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FirstlightError } from '../errors.ts';
import { toCloudEventJson, type LoggedEvent } from '../events/event.ts';
import { DB_FILE } from '../gateway.ts';
import { openDatabase } from '../log/database.ts';
import { createEventStore, type EventQuery } from '../log/event-store.ts';
import { timeOrAgo } from '../sdk/duration.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight events [filters] [options]

Reads the event log, oldest first. By default the newest 50 events.

Filters:
  --type <type>        exact type, or a prefix like "room.*"
  --key <key>          stream key (the room)
  --source <source>    CloudEvents source
  --since <time>       RFC 3339 time, or a duration back from now ("15m", "2h")
  --until <time>       RFC 3339 time, or a duration back from now
  --after <position>   only events after this log position
  --limit <n>          at most n events (default 50; with --since or --after the first n, else the last n)
Output:
  --json               one CloudEvent per line (extensions as top-level attributes)
  -f, --follow         keep printing new events as they are appended (Ctrl-C to stop)
Where the log is:
${configFlagsHelp}`;

const FOLLOW_POLL_MS = 200;

export async function runEvents(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...configFlags,
      type: { type: 'string' },
      key: { type: 'string' },
      source: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      after: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      follow: { type: 'boolean', short: 'f' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = configFromFlags(values);
  const file = join(config.data, DB_FILE);
  if (!existsSync(file)) {
    throw new FirstlightError('FL_ERR_NO_LOG', `no log at ${file}`, ['start the gateway first, or point --data at the directory it writes to']);
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) throw new FirstlightError('FL_ERR_USAGE', `--limit must be a whole number, not "${values.limit}"`);
  const after = values.after === undefined ? undefined : Number(values.after);
  if (after !== undefined && !Number.isInteger(after)) throw new FirstlightError('FL_ERR_USAGE', `--after must be a log position, not "${values.after}"`);
  const query: EventQuery = {
    type: values.type,
    key: values.key,
    source: values.source,
    since: values.since === undefined ? undefined : parseTime(values.since, '--since'),
    until: values.until === undefined ? undefined : parseTime(values.until, '--until'),
    after,
    limit,
    newest: values.since === undefined && after === undefined,
  };

  const db = openDatabase({ file, readonly: true });
  const store = createEventStore(db);
  const print = values.json ? (e: LoggedEvent) => JSON.stringify(toCloudEventJson(e)) : formatLine;
  let last = after ?? 0;
  for (const e of store.query(query)) {
    process.stdout.write(print(e) + '\n');
    last = e.seq;
  }
  if (!values.follow) {
    db.close();
    return 0;
  }
  if (last === 0 && query.newest) last = store.head();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (const e of store.query({ ...query, after: last, limit: 1000, newest: false, since: query.since })) {
        process.stdout.write(print(e) + '\n');
        last = e.seq;
      }
    }, FOLLOW_POLL_MS);
    const stop = (): void => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  db.close();
  return 0;
}

/** An RFC 3339 time, or a duration back from now ("15m"), as an RFC 3339 time. */
export function parseTime(text: string, flag: string): string {
  const time = timeOrAgo(text, Date.now());
  if (time === undefined) throw new FirstlightError('FL_ERR_USAGE', `${flag} takes an RFC 3339 time or a duration like "15m", not "${text}"`);
  return time;
}

/** One readable line: position, time, type, key, subject, data. */
export function formatLine(e: LoggedEvent): string {
  const parts = [String(e.seq).padStart(6), e.time, e.type.padEnd(18), e.partitionkey ? `[${e.partitionkey}]` : '-'];
  if (e.subject && e.subject !== e.partitionkey) parts.push(e.subject);
  parts.push(JSON.stringify(e.data));
  if (e.causationid) parts.push(`<- ${e.causationid.slice(0, 8)}`);
  if (e.replayed) parts.push('(replayed)');
  return parts.join(' ');
}
