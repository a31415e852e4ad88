// Hostile payloads at the device adapters: each is kept as input.rejected with its reason, none
// crashes anything, none pollutes a prototype, none reaches a rule. (reliability-security.md test 23)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { createTestGateway, type TestGateway } from 'firstlight/testing';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const devices = [
  { name: 'hall/motion', room: 'hall', kinds: ['occupancy' as const] },
  { name: 'hall/ceiling', room: 'hall', kinds: ['light' as const] },
  { name: 'hall/climate', room: 'hall', kinds: ['temperature' as const] },
];
let gw: TestGateway;
beforeAll(async () => {
  gw = await createTestGateway({ rules: RULES, devices });
});
afterAll(async () => gw.close());

const bomb = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const ce = (data: string, id = 'x'): string => `{"specversion":"1.0","id":"${id}","source":"/bad","type":"test.bad","data":${data}}`;

// Bytes that are not UTF-8, oversize and more wrong types: test/integration/bad-input.test.ts (over MQTT).
const cases: Array<[string, string, string, string]> = [
  ['invalid JSON', 'zigbee2mqtt/hall/motion', '{"occupancy": tru', 'bad_json'],
  ['NaN, which JSON does not have', 'zigbee2mqtt/hall/climate', '{"temperature": NaN}', 'bad_json'],
  ['Infinity', 'zigbee2mqtt/hall/climate', '{"temperature": Infinity}', 'bad_json'],
  ['a nesting bomb in a device message', 'zigbee2mqtt/hall/motion', `{"occupancy":${bomb(100_000)}}`, 'bad_json'],
  ['a nesting bomb in a CloudEvent', 'cloudevents/bad', ce(bomb(100_000)), 'too_deep'],
  ['a CloudEvent 33 levels deep', 'cloudevents/bad', ce(bomb(33), 'deep33'), 'too_deep'],
  ['a temperature of 10,000 °C', 'zigbee2mqtt/hall/climate', '{"temperature": 10000}', 'bad_value'],
  ['a temperature of 1e308', 'zigbee2mqtt/hall/climate', '{"temperature": 1e308}', 'bad_value'],
  ['a temperature below absolute zero', 'zigbee2mqtt/hall/climate', '{"temperature": -300}', 'bad_value'],
  ['a humidity of 150 %', 'zigbee2mqtt/hall/climate', '{"humidity": 150}', 'bad_value'],
  ['a battery of 2^53 + 1 %', 'zigbee2mqtt/hall/climate', '{"battery": 9007199254740993}', 'bad_value'],
  ['a wrong type', 'zigbee2mqtt/hall/motion', '{"occupancy": "yes"}', 'bad_value'],
  ['a CloudEvent with a __proto__ attribute', 'cloudevents/bad', '{"specversion":"1.0","id":"p1","source":"/bad","type":"test.bad","__proto__":{"polluted":1}}', 'not_cloudevent'],
  ['a CloudEvent without an id', 'cloudevents/bad', '{"specversion":"1.0","source":"/bad","type":"test.bad"}', 'not_cloudevent'],
];

describe('bad payloads at the adapters', () => {
  it.each(cases)('%s: rejected with its reason, quickly, and reaching no rule', async (_name, topic, payload, code) => {
    const before = gw.events().length;
    const started = performance.now();
    await gw.message(topic, payload);
    const took = performance.now() - started;
    const added = gw.events().slice(before);
    expect(added.map((e) => [e.type, (e.data as { code?: string }).code])).toEqual([['input.rejected', code]]);
    expect((added[0]!.data as { reason: string }).reason.length).toBeGreaterThan(3);
    expect(took).toBeLessThan(500);
  });

  it('lets prototype-pollution keys do no harm: no object gains a property, and the valid part is kept', async () => {
    await gw.message('zigbee2mqtt/hall/motion', '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"occupancy":true}');
    await gw.message('cloudevents/ok', '{"specversion":"1.0","id":"c1","source":"/ok","type":"test.fine","data":{"__proto__":{"polluted":3},"constructor":{"prototype":{"polluted":4}}}}');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
    // The occupancy was a real fact; the CloudEvent is stored with its data as sent, as data.
    expect(gw.events({ type: 'sensor.occupancy' }).at(-1)?.data).toEqual({ device: 'hall/motion', occupied: true });
    const stored = gw.events({ type: 'test.fine' })[0]!;
    expect(Object.getPrototypeOf(stored.data)).toBe(Object.prototype);
    expect(JSON.stringify(stored.data)).toContain('"__proto__"');
  });

  it('still reacts to good input after all of it', async () => {
    await gw.message('zigbee2mqtt/hall/motion', '{"occupancy":false}');
    await gw.advance('11m');
    await gw.message('zigbee2mqtt/hall/motion', '{"occupancy":true}');
    expect(gw.sent.at(-1)).toMatchObject({ topic: 'zigbee2mqtt/hall/ceiling/set', payload: '{"state":"ON"}' });
  });
});
