// The public SDK: everything a rule, a device adapter or a simulator may import, as 'firstlight'.
export { defineRule } from './rule.ts';
export type { RuleDefinition, RuleContext, RuleEvent, FiredTimer, EmitOptions, EventHandler, TimerHandler, RunMode } from './rule.ts';
export { absence, heldFor, sequence, notFollowedBy, countWithin, schedule, daily, debounce, throttle } from './triggers.ts';
export type {
  TriggerSpec,
  KeyBy,
  LatePolicy,
  FiredBase,
  AbsenceFired,
  HeldForFired,
  SequenceFired,
  CountFired,
  ScheduleFired,
  DebounceFired,
  ThrottleFired,
} from './triggers.ts';
export { defineDevice } from './device.ts';
export type {
  DeviceAdapter,
  DeviceDefinition,
  DeviceSimulationCodec,
  DeviceInfo,
  DeviceKind,
  DecodeContext,
  DecodeResult,
  Fact,
  ForeignEvent,
  InboundMessage,
  LightCommand,
  OutboundMessage,
} from './device.ts';
export { milliseconds, seconds, minutes, hours, days, parseDuration, durationSchema } from './duration.ts';
export { nestedDeeperThan, MAX_JSON_DEPTH } from './json-depth.ts';
export type { Duration } from './duration.ts';
export { eventCatalog, isKnownEventType } from '../events/catalog.ts';
export type { EventData, KnownEventType } from '../events/catalog.ts';
export type { LoggedEvent, NewEvent } from '../events/event.ts';
export { SimulatedClock, systemClock, createSteppingClock } from '../clock.ts';
export type { Clock } from '../clock.ts';
/** zod, for rule and adapter option schemas (the same instance the runtime validates with). */
export { z } from 'zod';
