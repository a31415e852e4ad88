// heldFor: a condition stays true for D ("the door stays open for 5 minutes").
import type { TriggerSpec } from '../../sdk/triggers.ts';
import { iso, type TriggerLogic } from './runtime.ts';

interface State {
  eventId: string;
  since: number;
  fired: boolean;
}

export function heldForLogic(spec: Extract<TriggerSpec, { kind: 'heldFor' }>): TriggerLogic {
  return {
    types: spec.types,
    onEvent(event, rt) {
      const st = rt.getState<State>();
      if (spec.while(event)) {
        // Still true: the clock keeps running from when it became true.
        if (st) return;
        rt.setState({ eventId: event.id, since: rt.now, fired: false } satisfies State);
        rt.setTimer('held', rt.now + spec.for);
      } else if (st) {
        rt.clearState();
        rt.cancelTimer('held');
      }
    },
    onTimer(_timer, rt) {
      const st = rt.getState<State>();
      if (!st || st.fired) return;
      // Fires once per stretch; it must become false and true again to fire again.
      rt.setState({ ...st, fired: true });
      rt.fire({ eventId: st.eventId, since: iso(st.since), heldForMs: rt.now - st.since });
    },
  };
}
