// What leaves the building and on which topic.
import { describe, expect, it } from 'vitest';
import { inboxFilter, topicLayout, typeMatcher } from '../../gateway/uplink/selection.ts';
import type { LoggedEvent } from '../../gateway/events/event.ts';

const event = (over: Partial<LoggedEvent>): LoggedEvent => ({ seq: 1, id: 'x', source: '/s', type: 'room.entered', time: '', data: {}, ...over });

describe('uplink selection', () => {
  it('forwards nothing without an allow-list, exact types, prefixes, or everything', () => {
    expect(typeMatcher([])('room.entered')).toBe(false);
    const m = typeMatcher(['room.entered', 'sensor.*']);
    expect(['room.entered', 'room.vacated', 'sensor.temperature', 'sensors.x'].map(m)).toEqual([true, false, true, false]);
    expect(typeMatcher(['*'])('anything')).toBe(true);
  });

  it('fills the topic template, keeping wildcards and empty levels out of the topic', () => {
    const layout = topicLayout('sites/{site}/events/{type}', 'home');
    expect(layout(event({}))).toBe('sites/home/events/room.entered');
    const byKey = topicLayout('fleet/{site}/{key}/{subject}/{type}', 'b-12');
    expect(byKey(event({ partitionkey: 'hall', subject: 'a+b#c' }))).toBe('fleet/b-12/hall/a_b_c/room.entered');
    expect(byKey(event({}))).toBe('fleet/b-12/_/_/room.entered');
    expect(inboxFilter('sites/{site}/inbox/#', 'home')).toBe('sites/home/inbox/#');
  });
});
