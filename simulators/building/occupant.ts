// A person in a simulated building: each day they follow their schedule (times drawn at random
// within its windows), walk room by room along the floor plan, wander off and come back, and move
// in view of the sensors as often as what they are doing makes them move.
import type { Agenda, Cancel } from '../agenda.ts';
import type { Random } from '../random.ts';
import type { FloorPlan } from './floor-plan.ts';
import type { LocalTime } from './local-time.ts';
import { OUTSIDE, type OccupantSpec, type ScheduleEntry } from './schema.ts';

type Activity = ScheduleEntry['activity'];

/** What an occupant does to the building. */
export interface OccupantWorld {
  agenda: Agenda;
  plan: FloorPlan;
  time: LocalTime;
  /** `who` walked from `from` into `room` (either may be outside); `from` is undefined when the simulation places them. */
  walked(who: string, from: string | undefined, room: string): void;
  /** `who` moved in view of the sensors of `room`. */
  moved(who: string, room: string): void;
}

export interface Occupant {
  readonly name: string;
  /** Where they are now (a room, or outside). */
  readonly room: string;
  start(): void;
  stop(): void;
}

/** Mean time between movements a motion sensor can see. */
const MOTION_EVERY: Record<Activity, number> = { active: 40_000, quiet: 180_000, asleep: Infinity };
const DAY = 86_400_000;

interface Planned {
  time: number;
  entry: ScheduleEntry;
  /** Length of a visit, drawn with the day. */
  stay?: number | undefined;
}

export function createOccupant(deps: { name: string; spec: OccupantSpec; world: OccupantWorld; random: Random }): Occupant {
  const { name, spec, world } = deps;
  const { agenda, plan, time } = world;
  // Plans come from their own stream per day, so a day is the same whenever the simulation started.
  const moves = deps.random.fork('moves');
  let at: string = spec.home;
  let anchor: { room: string; activity: Activity } = { room: spec.home, activity: 'active' };
  let walk: Cancel | undefined;
  let motion: Cancel | undefined;
  let back: Cancel | undefined;
  let wander: Cancel | undefined;
  let today: Cancel[] = [];

  function planDay(dayStart: number): Planned[] {
    const r = deps.random.fork(`day/${time.label(dayStart)}`);
    if (spec.days && !spec.days.includes(time.weekday(dayStart))) return [];
    const out: Planned[] = [];
    for (const entry of spec.schedule) {
      // Every draw is made whether or not the entry happens, so one entry's chance cannot shift another's time.
      const happens = r.chance(entry.chance);
      const t = dayStart + r.between(entry.at[0], entry.at[1]);
      const stay = entry.for && r.between(entry.for[0], entry.for[1]);
      if (happens) out.push({ time: t, entry, stay });
    }
    return out.sort((a, b) => a.time - b.time);
  }

  // Made once: a closure per movement would be most of what a big building allocates.
  let every = MOTION_EVERY.active;
  function move(): void {
    world.moved(name, at);
    motion = agenda.after(moves.exponential(every), move);
  }

  function settle(activity: Activity): void {
    motion?.();
    motion = undefined;
    if (at === OUTSIDE || activity === 'asleep') return;
    every = MOTION_EVERY[activity];
    motion = agenda.after(moves.exponential(every), move);
  }

  function goTo(target: string, activity: Activity, then?: () => void): void {
    walk?.();
    motion?.();
    const way = plan.path(at, target) ?? [at, target];
    const step = (i: number): void => {
      if (i < way.length) {
        const from = at;
        at = way[i]!;
        world.walked(name, from, at);
      }
      // Passing through a room takes a few seconds; the last one is where they stay.
      if (i < way.length - 1) {
        walk = agenda.after(moves.between(3_000, 10_000), () => step(i + 1));
        return;
      }
      walk = undefined;
      settle(activity);
      then?.();
    };
    step(1);
  }

  function scheduleWander(): void {
    wander?.();
    wander = undefined;
    const w = spec.wander;
    if (!w || anchor.room === OUTSIDE || anchor.activity === 'asleep') return;
    wander = agenda.after(moves.between(w.every[0], w.every[1]), () => {
      const choices = w.rooms.filter((r) => r !== at);
      if (choices.length === 0) return;
      goTo(moves.pick(choices), 'active', () => {
        back = agenda.after(moves.between(w.stay[0], w.stay[1]), returnToAnchor);
      });
    });
  }

  function returnToAnchor(): void {
    back = undefined;
    goTo(anchor.room, anchor.activity, scheduleWander);
  }

  function run(p: Planned): void {
    back?.();
    wander?.();
    if (p.stay !== undefined) {
      // A visit: go, stay, come back to where the schedule put them.
      goTo(p.entry.go, p.entry.activity, () => {
        back = agenda.after(p.stay!, returnToAnchor);
      });
      return;
    }
    anchor = { room: p.entry.go, activity: p.entry.activity };
    goTo(anchor.room, anchor.activity, scheduleWander);
  }

  function scheduleDay(dayStart: number, from: number): void {
    today = planDay(dayStart)
      .filter((p) => p.time >= from)
      .map((p) => agenda.at(p.time, () => run(p)));
    today.push(agenda.at(dayStart + DAY, () => scheduleDay(time.dayStart(dayStart + DAY + 3_600_000), dayStart + DAY)));
  }

  return {
    name,
    get room() {
      return at;
    },
    start() {
      const now = agenda.now();
      const dayStart = time.dayStart(now);
      // Where the schedule has put them by now: the last move today, else the last one yesterday.
      const moved = (ps: Planned[]) => ps.filter((p) => p.stay === undefined && p.time <= now).at(-1);
      const last = moved(planDay(dayStart)) ?? moved(planDay(time.dayStart(dayStart - 3_600_000)));
      if (last) anchor = { room: last.entry.go, activity: last.entry.activity };
      at = anchor.room;
      if (at !== OUTSIDE) world.walked(name, undefined, at);
      settle(anchor.activity);
      scheduleWander();
      scheduleDay(dayStart, now);
    },
    stop() {
      for (const cancel of [walk, motion, back, wander, ...today]) cancel?.();
    },
  };
}
