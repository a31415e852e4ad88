// Turns what an adapter decoded into CloudEvents for the log: sources, stream keys, validation.
import { newEventId } from '../events/ids.ts';
import { eventCatalog, isKnownEventType } from '../events/catalog.ts';
import type { NewEvent } from '../events/event.ts';
import type { Fact, ForeignEvent, InboundMessage } from '../sdk/device.ts';

/** Bytes of a rejected payload kept in its `input.rejected` event. */
export const REJECTED_PAYLOAD_KEEP = 1024;

/** The CloudEvents source of a device: "/sites/<site>/<adapter>/<device name>". */
export function deviceSource(sourceBase: string, adapter: string, device: string): string {
  return `${sourceBase}/${encodeURIComponent(adapter)}/${device.split('/').map(encodeURIComponent).join('/')}`;
}

export interface FactContext {
  source: string;
  device: string;
  room: string | undefined;
  time: string;
  /** `time` in ms. */
  ms: number;
  message: InboundMessage;
  raw: { topic: string; payload: string };
}

/** A fact as an event, or the reason its data does not fit its type's schema. */
export function factToEvent(fact: Fact, c: FactContext): NewEvent | string {
  const parsed = eventCatalog[fact.type].safeParse(fact.data);
  if (!parsed.success) return `${fact.type}: ${describeIssues(parsed.error.issues)}`;
  return {
    id: newEventId(c.ms),
    source: c.source,
    type: fact.type,
    time: c.time,
    subject: c.device,
    partitionkey: c.room,
    replayed: c.message.replayed || undefined,
    data: parsed.data as never,
    raw: c.raw,
  };
}

/** A producer's own CloudEvent, with its id and source kept, or the reason it is invalid. */
export function foreignToEvent(e: ForeignEvent, time: string, message: InboundMessage): NewEvent | string {
  let data = e.data;
  if (isKnownEventType(e.type)) {
    const parsed = eventCatalog[e.type].safeParse(e.data);
    if (!parsed.success) return `${e.type}: ${describeIssues(parsed.error.issues)}`;
    data = parsed.data;
  }
  return {
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time ?? time,
    subject: e.subject,
    partitionkey: e.partitionkey,
    causationid: e.causationid,
    correlationid: e.correlationid,
    replayed: message.replayed || undefined,
    data: data as never,
    extensions: Object.keys(e.extensions).length > 0 ? e.extensions : undefined,
  };
}

export interface Rejection {
  code: string;
  reason: string;
}

/** The `input.rejected` event that keeps a bad input, with a bounded copy of its payload. */
export function rejectionEvent(sourceBase: string, message: InboundMessage, r: Rejection, time: string): NewEvent<'input.rejected'> {
  const kept = message.payload.subarray(0, REJECTED_PAYLOAD_KEEP);
  const text = kept.toString('utf8');
  // Keep text as text; anything that does not survive a UTF-8 round trip is kept as base64.
  const isText = Buffer.byteLength(text) === kept.length && !text.includes('\uFFFD');
  return {
    id: newEventId(Date.parse(time)),
    source: `${sourceBase}/ingest`,
    type: 'input.rejected',
    time,
    subject: message.topic,
    replayed: message.replayed || undefined,
    data: {
      topic: message.topic,
      reason: r.reason,
      code: r.code,
      clientId: message.clientId,
      bytes: message.payload.length,
      payload: isText ? text : kept.toString('base64'),
      encoding: isText ? 'utf8' : 'base64',
      truncated: message.payload.length > kept.length,
    },
  };
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'data'}: ${i.message}`).join('; ');
}
