// countWithin: N events within a sliding window of D ("the doorbell pressed 3 times in 10 s").
import type { TriggerSpec } from '../../sdk/triggers.ts';
import type { TriggerLogic } from './runtime.ts';

interface State {
  events: Array<{ id: string; at: number }>;
}

export function countLogic(spec: Extract<TriggerSpec, { kind: 'count' }>): TriggerLogic {
  if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error(`countWithin: count must be a whole number >= 1, not ${spec.count}`);
  return {
    types: spec.types,
    onEvent(event, rt) {
      if (spec.where && !spec.where(event)) return;
      const from = rt.now - spec.within;
      // Only the last `count` events can matter, so the state stays small.
      const events = (rt.getState<State>()?.events ?? []).filter((e) => e.at > from).slice(-(spec.count - 1));
      events.push({ id: event.id, at: rt.now });
      if (events.length >= spec.count) {
        rt.clearState();
        rt.fire({ count: events.length, eventIds: events.map((e) => e.id) });
      } else rt.setState({ events } satisfies State);
    },
  };
}
