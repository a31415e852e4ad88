// Fires persisted timers: when one falls due, it is moved from the timers table into the log as a
// `timer.fired` event in one transaction, so it fires exactly once across crashes and restarts.
import type { Clock, Cancel } from '../clock.ts';
import { derivedId } from '../events/ids.ts';
import type { Committer } from '../log/committer.ts';
import type { RuleStore } from './rule-store.ts';

export interface TimerScheduler {
  /** Looks at the earliest pending timer and arms the clock for it. */
  rearm(): void;
  stop(): void;
}

export interface TimerSchedulerDeps {
  committer: Committer;
  store: RuleStore;
  clock: Clock;
  sourceBase: string;
}

export function createTimerScheduler({ committer, store, clock, sourceBase }: TimerSchedulerDeps): TimerScheduler {
  let armedFor: number | undefined;
  let cancel: Cancel | undefined;
  let stopped = false;
  let firing = false;

  function fire(): void {
    armedFor = undefined;
    cancel = undefined;
    if (firing) return;
    firing = true;
    committer.submit({
      write() {
        const now = clock.now();
        for (const t of store.takeDueTimers(now)) {
          committer.append({
            // The same timer setting fires under the same id, so it cannot be logged twice.
            id: derivedId(t.due_at, 'timer', t.rule, t.key, t.name, t.set_by, String(t.due_at)),
            source: `${sourceBase}/rules/${encodeURIComponent(t.rule)}`,
            type: 'timer.fired',
            time: new Date(now).toISOString(),
            partitionkey: t.key || undefined,
            causationid: t.set_by,
            correlationid: t.correlationid ?? t.set_by,
            data: {
              rule: t.rule,
              name: t.name,
              key: t.key,
              dueAt: new Date(t.due_at).toISOString(),
              lateMs: Math.max(0, now - t.due_at),
              data: t.data === null ? undefined : JSON.parse(t.data),
            },
          });
        }
      },
      done() {
        firing = false;
        rearm();
      },
    });
  }

  function rearm(): void {
    if (stopped || firing) return;
    const due = store.nextDue();
    if (due === armedFor) return;
    cancel?.();
    cancel = undefined;
    armedFor = due;
    if (due !== undefined) cancel = clock.setTimeout(fire, due - clock.now());
  }

  committer.afterCommit(rearm);
  committer.onRollback(() => store.forgetNextDue());

  return {
    rearm,
    stop() {
      stopped = true;
      cancel?.();
    },
  };
}
