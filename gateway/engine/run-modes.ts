// Run modes per key: what a new trigger does while a run of the rule is pending for that key (the
// rule has timers of its own pending for it): run anyway, restart, ignore, or queue.
import type { LoggedEvent } from '../events/event.ts';
import type { ActiveRule } from './active-rule.ts';
import { StateAccess, type Invocation } from './invocation.ts';
import type { RuleStore } from './rule-store.ts';

/** A trigger held back by runMode 'queue', kept in the rule's state until the pending run ends. */
export type QueueItem = { kind: 'event'; id: string } | { kind: 'fire'; trigger: string; fired: Record<string, unknown> };

const queueSlot = (key: string): string => `queue:${key}`;

/** Runs `work` now, or restarts, ignores or queues it, per the rule's run mode. */
export function startRun(store: RuleStore, rule: ActiveRule, inv: Invocation, item: QueueItem, work: () => void): void {
  if (rule.runMode === 'parallel') return work();
  const pending = store.ownTimers(rule.name, inv.key).filter((n) => inv.timerChanges.get(n) !== null);
  for (const [n, row] of inv.timerChanges) if (row && !n.startsWith('trigger:') && !pending.includes(n)) pending.push(n);
  if (pending.length === 0) return work();
  switch (rule.runMode) {
    case 'restart':
      for (const n of pending) inv.timerChanges.set(n, null);
      return work();
    case 'ignore':
      rule.stats.ignored++;
      return;
    case 'queue': {
      const queue = new StateAccess(inv, queueSlot(inv.key));
      queue.set([...(queue.get<QueueItem[]>() ?? []), item]);
      return;
    }
  }
}

/** The next queued trigger of a key, once no run is pending for it; `invoke` runs it. */
export function runQueued(
  deps: { store: RuleStore; byId(id: string): LoggedEvent | undefined },
  rule: ActiveRule,
  key: string,
  invoke: (body: (inv: Invocation) => void) => void,
): void {
  if (deps.store.ownTimers(rule.name, key).length > 0) return;
  const queue = deps.store.getState(rule.name, queueSlot(key)) as QueueItem[] | undefined;
  if (!queue?.length) return;
  const [next, ...rest] = queue as [QueueItem, ...QueueItem[]];
  invoke((inv) => {
    const slot = new StateAccess(inv, queueSlot(key));
    if (rest.length > 0) slot.set(rest);
    else slot.delete();
    if (next.kind === 'event') {
      const original = deps.byId(next.id);
      const handler = original && rule.handlers[original.type];
      if (handler) handler(original, inv);
    } else {
      rule.triggers.find((t) => t.name === next.trigger)?.spec.run(next.fired as never, inv);
    }
  });
}
