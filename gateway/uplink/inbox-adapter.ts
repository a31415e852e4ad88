// Reads the site's inbox on the upstream broker: CloudEvents that the fleet sends to this building
// (a building-wide alarm, a tariff change). An internal adapter, so inbox messages take the same
// ingest path as device messages: validated, appended, deduplicated by (source, id), then acked.
import { createRequire } from 'node:module';
import type { DecodeResult, DeviceAdapter, ForeignEvent } from '../sdk/device.ts';

export const INBOX_ADAPTER = 'fleet-inbox';

// The CloudEvents SDK (and the JSON-schema validator it compiles at load) costs a few MB of memory:
// loaded when the first inbox message arrives, not by every gateway.
let sdk: typeof import('cloudevents') | undefined;
const cloudevents = (): typeof import('cloudevents') => (sdk ??= createRequire(import.meta.url)('cloudevents') as typeof import('cloudevents'));

/** Members of the JSON event format that are not extensions. */
const CORE = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'data', 'data_base64']);
const LIFTED = ['partitionkey', 'causationid', 'correlationid'] as const;

/** `filter` is the inbox topic filter with the site filled in, ending in "/#". */
export function createInboxAdapter(filter: string): DeviceAdapter {
  const prefix = filter.slice(0, -1);
  return {
    name: INBOX_ADAPTER,
    topics: [filter],
    claims: (topic) => topic.startsWith(prefix),
    decode: (message) => decodeInboxEvent(message.payload),
    encodeLightCommand: () => ({ error: 'the fleet inbox has no devices' }),
    configuredDevices: () => [],
  };
}

const rejected = (code: string, reason: string): DecodeResult => ({ kind: 'rejected', code, reason });

/** A structured-mode CloudEvent (binary ones are folded into this form on arrival). */
export function decodeInboxEvent(payload: Buffer): DecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return rejected('bad_json', `not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return rejected('not_cloudevent', 'a CloudEvent must be a JSON object');
  const attrs = body as Record<string, unknown>;
  // The SDK would make up an id and a time; a fleet event must bring its own id (it is the dedup key).
  const missing = ['id', 'source', 'type', 'specversion'].filter((k) => typeof attrs[k] !== 'string' || attrs[k] === '');
  if (missing.length > 0) return rejected('not_cloudevent', `missing ${missing.join(', ')}`);
  if ('data_base64' in attrs) return rejected('unsupported', 'data_base64 is not supported: send the data as JSON in "data"');
  try {
    // Spec checks (specversion 1.0, attribute names a-z0-9, RFC 3339 time, URI-reference source).
    new (cloudevents().CloudEvent)(attrs as never, true);
  } catch (err) {
    const reason = err instanceof cloudevents().ValidationError ? `${err.message}${err.errors?.length ? `: ${JSON.stringify(err.errors)}` : ''}` : (err as Error).message;
    return rejected('not_cloudevent', reason);
  }
  const extensions: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(attrs)) {
    if (CORE.has(name)) continue;
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value))) {
      return rejected('bad_shape', `attribute ${name} must be a string, number or boolean`);
    }
    extensions[name] = value;
  }
  const lifted: Partial<Record<(typeof LIFTED)[number], string>> = {};
  for (const name of LIFTED) {
    const value = extensions[name];
    delete extensions[name];
    if (typeof value === 'string' && value !== '') lifted[name] = value;
  }
  const event: ForeignEvent = {
    id: attrs.id as string,
    source: attrs.source as string,
    type: attrs.type as string,
    ...(typeof attrs.time === 'string' && { time: attrs.time }),
    ...(typeof attrs.subject === 'string' && { subject: attrs.subject }),
    ...lifted,
    data: attrs.data,
    extensions,
  };
  return { kind: 'cloudevent', event };
}
