// The CloudEvents 1.0 shape of an event in the log, and how ids of derived events are made.
import type { EventData } from './catalog.ts';

/** An event as the pipeline appends it: CloudEvents 1.0 attributes plus our extensions. */
export interface NewEvent<T extends string = string> {
  id: string;
  source: string;
  type: T;
  /** RFC 3339 time at which the fact happened (for device facts: when the gateway received it). */
  time: string;
  subject?: string | undefined;
  /** The stream key (usually the room): the CloudEvents partitioning extension. */
  partitionkey?: string | undefined;
  /** Id of the event this one reacted to. */
  causationid?: string | undefined;
  /** Id of the root fact of the chain this event belongs to. */
  correlationid?: string | undefined;
  /** Content hash of the rule version that produced this event. */
  ruleversion?: string | undefined;
  /** True for state replayed by a broker (a retained message), not something that just happened. */
  replayed?: boolean | undefined;
  data: EventData<T>;
  /** Extensions other than ours, kept as the producer sent them (native CloudEvents). */
  extensions?: Record<string, string | number | boolean> | undefined;
  /** The device's original message, kept for lineage and debugging. */
  raw?: { topic: string; payload: string } | undefined;
}

/** An event that has been committed to the log, with its position. */
export interface LoggedEvent<T extends string = string> extends NewEvent<T> {
  /** Strictly increasing position in the log. */
  seq: number;
}

/** The CloudEvents JSON format of an event: extensions as top-level attributes. */
export function toCloudEventJson(e: LoggedEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: e.type,
    time: e.time,
  };
  if (e.subject !== undefined) out.subject = e.subject;
  if (e.partitionkey !== undefined) out.partitionkey = e.partitionkey;
  if (e.causationid !== undefined) out.causationid = e.causationid;
  if (e.correlationid !== undefined) out.correlationid = e.correlationid;
  if (e.ruleversion !== undefined) out.ruleversion = e.ruleversion;
  if (e.replayed) out.replayed = true;
  // The sequence extension: lexicographically orderable, so zero-padded.
  out.sequence = String(e.seq).padStart(20, '0');
  if (e.extensions) for (const [k, v] of Object.entries(e.extensions)) if (!(k in out)) out[k] = v;
  // Our events carry JSON data; a producer's own content type (kept as an extension) wins.
  out.datacontenttype ??= 'application/json';
  out.data = e.data;
  return out;
}
