// throttle: fires on an event, then ignores the stream's events for D.
import type { TriggerSpec } from '../../sdk/triggers.ts';
import type { TriggerLogic } from './runtime.ts';

interface State {
  until: number;
  dropped: number;
}

export function throttleLogic(spec: Extract<TriggerSpec, { kind: 'throttle' }>): TriggerLogic {
  return {
    types: spec.types,
    onEvent(event, rt) {
      if (spec.where && !spec.where(event)) return;
      const st = rt.getState<State>();
      if (st && rt.now < st.until) {
        rt.setState({ ...st, dropped: st.dropped + 1 });
        return;
      }
      rt.setState({ until: rt.now + spec.every, dropped: 0 } satisfies State);
      rt.fire({ eventId: event.id, dropped: st?.dropped ?? 0 });
    },
  };
}
