// Which stream an event belongs to for a rule or trigger: its stream key (room), its device, or a function.
import type { LoggedEvent } from '../events/event.ts';
import type { KeyBy } from '../sdk/triggers.ts';

export function keyFunction(per: KeyBy | undefined): (event: LoggedEvent) => string | undefined {
  if (typeof per === 'function') return per;
  if (per === 'device') return (e) => ((e.data as { device?: unknown } | null)?.device as string | undefined) ?? e.subject;
  return (e) => e.partitionkey ?? '';
}
