// Topic access control: Mosquitto-style patterns with %u and %c, deny by default, $-topics apart.
import { describe, expect, it } from 'vitest';
import { compileAcl, covers, DEFAULT_DEVICE_POLICY, isCommandTopic, matches, substitute } from '../../gateway/security/acl.ts';

describe('topic matching [MQTT-4.7]', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a/', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['+/+', 'a/b', true],
    ['+', '/a', false],
    ['a/b', 'a/bc', false],
    ['a/b/c', 'a/b', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(matches(filter, topic)).toBe(expected);
  });

  it.each([
    ['a/#', 'a/#', true],
    ['a/#', 'a/+/set', true],
    ['a/#', 'a', true],
    ['a/#', '#', false],
    ['a/#', '+/b', false],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a/b/c', false],
    ['+/x', '+/x', true],
    ['+/x', '#', false],
    ['#', '$SYS/#', false],
  ])('%s covers the subscription %s: %s', (pattern, filter, expected) => {
    expect(covers(pattern, filter)).toBe(expected);
  });
});

describe('policies', () => {
  it('fills in %u and %c only as whole levels, and never with a name that would widen the pattern', () => {
    expect(substitute('devices/%u/#', 'dev-a', 'c1')).toBe('devices/dev-a/#');
    expect(substitute('cmd/%c', 'dev-a', 'c1')).toBe('cmd/c1');
    expect(substitute('x%u/#', 'dev-a', 'c1')).toBe('x%u/#');
    expect(substitute('%u/#', 'a/b', 'c')).toBeUndefined();
    expect(substitute('%u/#', '#', 'c')).toBeUndefined();
  });

  it('gives a device its own namespace and nothing else, by default', () => {
    const acl = compileAcl(DEFAULT_DEVICE_POLICY, 'dev-a', 'dev-a');
    const decisions = {
      pub: ['dev-a/temp', 'cloudevents/dev-a/x', 'dev-b/temp', 'cloudevents/dev-b/x', 'cloudevents/x', '$SYS/broker/x', 'dev-a', 'zigbee2mqtt/x'].map((t) => [t, acl.canPublish(t)]),
      sub: ['dev-a/#', 'dev-a/+/set', 'dev-b/#', '#', '+/+/set', '$SYS/#', 'cloudevents/#'].map((t) => [t, acl.canSubscribe(t)]),
    };
    expect(decisions).toEqual({
      pub: [['dev-a/temp', true], ['cloudevents/dev-a/x', true], ['dev-b/temp', false], ['cloudevents/dev-b/x', false], ['cloudevents/x', false], ['$SYS/broker/x', false], ['dev-a', true], ['zigbee2mqtt/x', false]],
      sub: [['dev-a/#', true], ['dev-a/+/set', true], ['dev-b/#', false], ['#', false], ['+/+/set', false], ['$SYS/#', false], ['cloudevents/#', false]],
    });
  });

  it('lets an admin subscribe to anything, $SYS included, but publish only where its policy says', () => {
    const admin = compileAcl({ publish: [], subscribe: [], admin: true }, 'ops', 'ops');
    expect(['#', '$SYS/#', 'dev-a/#'].map((f) => admin.canSubscribe(f))).toEqual([true, true, true]);
    expect(admin.canPublish('dev-a/x')).toBe(false);
  });

  it('knows command topics, on which retained messages are refused', () => {
    expect(['zigbee2mqtt/hall/ceiling/set', 'zigbee2mqtt/lamp/set/state', 'zigbee2mqtt/lamp/get', 'cmnd/plug/POWER', 'cmd/dev-b/unlock'].every(isCommandTopic)).toBe(true);
    expect(['zigbee2mqtt/hall/ceiling', 'zigbee2mqtt/settings/x', 'tele/plug/STATE', 'set'].some(isCommandTopic)).toBe(false);
  });
});
