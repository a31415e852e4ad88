// The native CloudEvents adapter: producers that publish CloudEvents 1.0 themselves, in structured mode.
import { defineDevice, MAX_JSON_DEPTH, nestedDeeperThan, z, type DecodeResult, type DeviceAdapter, type ForeignEvent } from 'firstlight';

const ADAPTER = 'cloudevents';

const optionsSchema = z.object({
  /** Topics starting with this prefix carry CloudEvents. */
  topicPrefix: z
    .string()
    .min(1)
    .refine((p) => p.endsWith('/') && !/[#+]/.test(p), 'a topic prefix ending in "/", without wildcards')
    .default('cloudevents/'),
});
export type CloudEventsOptions = z.output<typeof optionsSchema>;

// CloudEvents 1.0 spec, "Attribute Naming Convention": lower-case ASCII letters and digits only.
const attributeName = /^[a-z0-9]+$/;

// RFC 3339 section 5.6 `date-time` (the "T" and "Z" may be lower case, section 5.6 NOTE); the
// calendar check is below, the regex only checks the shape.
const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

function isRfc3339(text: string): boolean {
  const m = rfc3339.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  // second 60 is a leap second, which RFC 3339 allows.
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 60 && offsetOk;
}

/** A required string attribute: "missing id" when absent, "id must be a non-empty string" otherwise. */
const required = (name: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `missing ${name}` : `${name} must be a non-empty string`) })
    .min(1, `${name} must be a non-empty string`);
const optional = (name: string) => z.string({ error: `${name} must be a string` }).optional();

// In the spec's order, so a rejection lists what is wrong in the order a reader of the spec expects.
const contextAttributes = z.object({
  id: required('id'),
  source: required('source'),
  specversion: z.literal('1.0', {
    error: (issue) => (issue.input === undefined ? 'missing specversion' : 'specversion must be "1.0"'),
  }),
  type: required('type'),
  subject: optional('subject'),
  time: optional('time').refine((t) => t === undefined || isRfc3339(t), 'time must be an RFC 3339 timestamp'),
  datacontenttype: optional('datacontenttype'),
  dataschema: optional('dataschema'),
});

/** Members of the JSON event format that are not extensions. */
const coreMembers = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'data', 'data_base64']);
/** Extensions with a field of their own in ForeignEvent (partitioning extension, our lineage ids). */
const liftedExtensions = ['partitionkey', 'causationid', 'correlationid'] as const;

const rejected = (code: string, reason: string): DecodeResult => ({ kind: 'rejected', code, reason });


export function decodeCloudEvent(payload: Buffer | string): DecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch (err) {
    return rejected('bad_json', `not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return rejected('not_cloudevent', 'a structured-mode CloudEvent must be a JSON object');
  }
  const body = json as Record<string, unknown>;
  // Before anything walks it: storing a nesting bomb (JSON.stringify) would overflow the stack and
  // fail the whole group commit it shares with other devices' messages.
  if (nestedDeeperThan(body)) return rejected('too_deep', `nested deeper than ${MAX_JSON_DEPTH} levels`);

  const problems: string[] = [];
  const attrs = contextAttributes.safeParse(body);
  if (!attrs.success) problems.push(...attrs.error.issues.map((i) => i.message));
  const badNames = Object.keys(body).filter((k) => !coreMembers.has(k) && !attributeName.test(k));
  for (const name of badNames) problems.push(`attribute name ${JSON.stringify(name)} is not lower-case a-z and 0-9`);
  if (!attrs.success || problems.length > 0) return rejected('not_cloudevent', problems.join('; '));

  if ('data_base64' in body) {
    return rejected(
      'unsupported',
      'data_base64 (binary data) is not supported: events are stored and matched as JSON, so send the data as JSON in "data"',
    );
  }

  const extensions: Record<string, string | number | boolean> = {};
  const extensionProblems: string[] = [];
  for (const [name, value] of Object.entries(body)) {
    // datacontenttype and dataschema (already checked to be strings) have no field in ForeignEvent,
    // so they stay here with the extensions: nothing the producer said is lost.
    if (coreMembers.has(name)) continue;
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      extensions[name] = value;
    } else {
      extensionProblems.push(`extension ${name} must be a string, number or boolean, got ${value === null ? 'null' : typeof value}`);
    }
  }
  const lifted: Partial<Record<(typeof liftedExtensions)[number], string>> = {};
  for (const name of liftedExtensions) {
    const value = extensions[name];
    if (value === undefined) continue;
    if (typeof value === 'string' && value !== '') lifted[name] = value;
    else extensionProblems.push(`extension ${name} must be a non-empty string`);
    delete extensions[name];
  }
  if (extensionProblems.length > 0) return rejected('bad_shape', extensionProblems.join('; '));

  const { id, source, type, subject, time } = attrs.data;
  const event: ForeignEvent = {
    id,
    source,
    type,
    ...(time !== undefined && { time }),
    ...(subject !== undefined && { subject }),
    ...lifted,
    data: body.data,
    extensions,
  };
  return { kind: 'cloudevent', event };
}

export function createCloudEvents(options: CloudEventsOptions): DeviceAdapter {
  const prefix = options.topicPrefix;
  return {
    name: ADAPTER,
    topics: [`${prefix}#`],
    claims: (topic) => topic.startsWith(prefix),
    decode: (message) => decodeCloudEvent(message.payload),
    encodeLightCommand: () => ({ error: 'cloudevents adapter has no devices' }),
    configuredDevices: () => [],
  };
}

export default defineDevice({ name: ADAPTER, options: optionsSchema, create: createCloudEvents });
