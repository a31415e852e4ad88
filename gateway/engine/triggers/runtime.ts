// What a trigger's logic works with: its own state and timers for one stream key, and `fire`.
import type { LoggedEvent } from '../../events/event.ts';

export interface TriggerRuntime {
  readonly key: string;
  /** The clock's time, in ms. */
  readonly now: number;
  getState<S>(): S | undefined;
  setState(value: unknown): void;
  clearState(): void;
  /** Sets the trigger's timer `name` to fall due at `dueAt` (ms). */
  setTimer(name: string, dueAt: number): void;
  cancelTimer(name: string): void;
  /** When the trigger's timer `name` is due, or undefined when none is pending. */
  pendingTimer(name: string): number | undefined;
  /** Runs the rule's handler with what the trigger reports (or records a skip, per the late policy). */
  fire(fired: Record<string, unknown>): void;
}

/** A trigger timer that fell due. */
export interface TriggerTimer {
  name: string;
  dueAt: number;
  lateMs: number;
}

/** The behaviour of one trigger kind, over one stream key at a time. */
export interface TriggerLogic {
  readonly types: readonly string[];
  onEvent?(event: LoggedEvent, rt: TriggerRuntime): void;
  onTimer?(timer: TriggerTimer, rt: TriggerRuntime): void;
  /** When the rule (or a new version of it) is activated; schedules arm their next occurrence here. */
  onActivate?(rt: TriggerRuntime): void;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
