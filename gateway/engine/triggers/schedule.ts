// schedule: cron expressions and "every day at 07:00" in a time zone, as a persisted timer for the
// next occurrence (so an occurrence missed while the gateway was down fires late, or is skipped).
import { Cron } from 'croner';
import type { TriggerSpec } from '../../sdk/triggers.ts';
import { iso, type TriggerLogic } from './runtime.ts';

export function scheduleLogic(spec: Extract<TriggerSpec, { kind: 'schedule' }>, defaultTimezone: string | undefined): TriggerLogic {
  let cron: Cron;
  try {
    cron = new Cron(spec.cron, { timezone: spec.timezone ?? defaultTimezone, paused: true });
  } catch (err) {
    throw new Error(`schedule "${spec.cron}": ${(err as Error).message}`);
  }
  const next = (after: number): number | undefined => cron.nextRun(new Date(after))?.getTime();

  return {
    types: [],
    onActivate(rt) {
      const pending = rt.pendingTimer('next');
      // An occurrence that fell due while the gateway was down is kept: it fires late or is skipped.
      if (pending !== undefined && pending <= rt.now) return;
      // Otherwise (re)compute from the expression, so an edited schedule takes effect.
      const due = next(rt.now);
      if (due !== undefined && due !== pending) rt.setTimer('next', due);
    },
    onTimer(timer, rt) {
      const due = next(Math.max(rt.now, timer.dueAt));
      if (due !== undefined) rt.setTimer('next', due);
      rt.fire({ scheduledFor: iso(timer.dueAt) });
    },
  };
}
