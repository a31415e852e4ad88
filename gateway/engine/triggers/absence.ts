// absence: no event of a kind for D after the last one ("the freezer's sensor went silent").
import type { TriggerSpec } from '../../sdk/triggers.ts';
import { iso, type TriggerLogic } from './runtime.ts';

interface State {
  lastEventId: string;
  lastSeen: number;
}

export function absenceLogic(spec: Extract<TriggerSpec, { kind: 'absence' }>): TriggerLogic {
  return {
    types: spec.types,
    onEvent(event, rt) {
      if (spec.where && !spec.where(event)) return;
      rt.setState({ lastEventId: event.id, lastSeen: rt.now } satisfies State);
      rt.setTimer('silent', rt.now + spec.for);
    },
    onTimer(_timer, rt) {
      const st = rt.getState<State>();
      if (!st) return;
      // It fires once per silence; the next event starts watching again.
      rt.clearState();
      rt.fire({ lastEventId: st.lastEventId, lastSeen: iso(st.lastSeen), silentForMs: rt.now - st.lastSeen });
    },
  };
}
