// debounce: fires D after the last event of a burst; each event restarts the wait.
import type { TriggerSpec } from '../../sdk/triggers.ts';
import type { TriggerLogic } from './runtime.ts';

interface State {
  eventId: string;
  count: number;
}

export function debounceLogic(spec: Extract<TriggerSpec, { kind: 'debounce' }>): TriggerLogic {
  return {
    types: spec.types,
    onEvent(event, rt) {
      if (spec.where && !spec.where(event)) return;
      const count = (rt.getState<State>()?.count ?? 0) + 1;
      rt.setState({ eventId: event.id, count } satisfies State);
      rt.setTimer('quiet', rt.now + spec.for);
    },
    onTimer(_timer, rt) {
      const st = rt.getState<State>();
      if (!st) return;
      rt.clearState();
      rt.fire({ eventId: st.eventId, count: st.count });
    },
  };
}
