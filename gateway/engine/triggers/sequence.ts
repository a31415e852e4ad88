// sequence: A then B within D ("door opened, then motion in the hall within 30 s"), or A NOT
// followed by B within D.
import type { TriggerSpec } from '../../sdk/triggers.ts';
import type { TriggerLogic } from './runtime.ts';

interface State {
  firstId: string;
  at: number;
}

export function sequenceLogic(spec: Extract<TriggerSpec, { kind: 'sequence' }>): TriggerLogic {
  return {
    types: spec.first === spec.second ? [spec.first] : [spec.first, spec.second],
    onEvent(event, rt) {
      const st = rt.getState<State>();
      // A pending first event is completed before the same event may start a new window.
      if (st && event.type === spec.second && event.id !== st.firstId && (!spec.secondWhere || spec.secondWhere(event))) {
        rt.clearState();
        rt.cancelTimer('window');
        if (!spec.notFollowed) rt.fire({ firstId: st.firstId, secondId: event.id });
        return;
      }
      if (event.type === spec.first && (!spec.firstWhere || spec.firstWhere(event))) {
        rt.setState({ firstId: event.id, at: rt.now } satisfies State);
        rt.setTimer('window', rt.now + spec.within);
      }
    },
    onTimer(_timer, rt) {
      const st = rt.getState<State>();
      if (!st) return;
      rt.clearState();
      if (spec.notFollowed) rt.fire({ firstId: st.firstId });
    },
  };
}
