// Unit tests of the native CloudEvents adapter (structured mode, JSON event format).
import { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import cloudevents from '../../devices/cloudevents.ts';
import type { DecodeResult, InboundMessage } from '../../gateway/sdk/device.ts';

const adapter = cloudevents.create(cloudevents.options.parse({}));
const nobody = { device: () => undefined };

function decode(payload: string | object, topic = 'cloudevents/building/a'): DecodeResult {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const message: InboundMessage = { topic, payload: Buffer.from(text), qos: 1, retain: false, replayed: false };
  return adapter.decode(message, nobody);
}

const minimal = { specversion: '1.0', id: 'evt-1', source: '/sensors/hall', type: 'com.example.door.opened' };

function reasonOf(result: DecodeResult): string {
  return result.kind === 'rejected' ? result.reason : `not rejected: ${JSON.stringify(result)}`;
}

describe('cloudevents options and topics', () => {
  it('listens under "cloudevents/" by default', () => {
    expect(cloudevents.options.parse({})).toEqual({ topicPrefix: 'cloudevents/' });
    expect(adapter.topics).toEqual(['cloudevents/#']);
    expect(adapter.claims('cloudevents/building/a')).toBe(true);
    expect(adapter.claims('zigbee2mqtt/hall/motion')).toBe(false);
    expect(adapter.claims('cloudeventsx/a')).toBe(false);
  });

  it('follows a configured prefix, which must end in "/" and have no wildcards', () => {
    const custom = cloudevents.create(cloudevents.options.parse({ topicPrefix: 'site/events/' }));
    expect(custom.topics).toEqual(['site/events/#']);
    expect(custom.claims('site/events/x')).toBe(true);
    expect(cloudevents.options.safeParse({ topicPrefix: 'site/events' }).success).toBe(false);
    expect(cloudevents.options.safeParse({ topicPrefix: 'site/+/' }).success).toBe(false);
  });

  it('has no devices and sends no commands', () => {
    expect(adapter.configuredDevices()).toEqual([]);
    expect(adapter.encodeLightCommand({ name: 'x', adapter: 'cloudevents', kinds: ['light'] }, { state: 'ON' })).toEqual({
      error: 'cloudevents adapter has no devices',
    });
  });
});

describe('cloudevents decoding', () => {
  it('accepts a minimal event: data is optional, there are no extensions', () => {
    expect(decode(minimal)).toEqual({
      kind: 'cloudevent',
      event: { id: 'evt-1', source: '/sensors/hall', type: 'com.example.door.opened', data: undefined, extensions: {} },
    });
  });

  it('keeps time, subject and data, lifts partitionkey, causationid and correlationid, and keeps other extensions', () => {
    const result = decode({
      ...minimal,
      time: '2026-11-26T14:20:23.965Z',
      subject: 'hall/door',
      datacontenttype: 'application/json',
      partitionkey: 'hall',
      causationid: 'evt-0',
      correlationid: 'root-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      priority: 3,
      urgent: false,
      data: { open: true, battery_low: false },
    });
    expect(result).toEqual({
      kind: 'cloudevent',
      event: {
        id: 'evt-1',
        source: '/sensors/hall',
        type: 'com.example.door.opened',
        time: '2026-11-26T14:20:23.965Z',
        subject: 'hall/door',
        partitionkey: 'hall',
        causationid: 'evt-0',
        correlationid: 'root-1',
        data: { open: true, battery_low: false },
        extensions: {
          datacontenttype: 'application/json',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          priority: 3,
          urgent: false,
        },
      },
    });
  });

  it('accepts what the CloudEvents JavaScript SDK produces', () => {
    const sdkEvent = new CloudEvent({ type: 'com.example.sensor.reading', source: '/gw/pi-01', partitionkey: 'kitchen', data: { celsius: 21 } });
    const result = decode(JSON.stringify(sdkEvent));
    expect(result).toMatchObject({
      kind: 'cloudevent',
      event: { id: sdkEvent.id, time: sdkEvent.time, partitionkey: 'kitchen', data: { celsius: 21 } },
    });
  });

  it('keeps data of any JSON type, including null', () => {
    expect(decode({ ...minimal, data: null })).toMatchObject({ kind: 'cloudevent', event: { data: null } });
    expect(decode({ ...minimal, data: 'text' })).toMatchObject({ kind: 'cloudevent', event: { data: 'text' } });
  });

  it('rejects a payload that is not JSON as bad_json', () => {
    expect(decode('{"specversion":"1.0",')).toMatchObject({ kind: 'rejected', code: 'bad_json' });
  });

  it('rejects JSON that is not an object as not_cloudevent', () => {
    for (const payload of ['[]', '"event"', '7', 'null']) {
      expect(decode(payload)).toMatchObject({ kind: 'rejected', code: 'not_cloudevent' });
    }
  });

  it('lists everything that is wrong with the required attributes', () => {
    const result = decode({ specversion: '0.3', source: '/x', type: 'com.example.t' });
    expect(result).toEqual({ kind: 'rejected', code: 'not_cloudevent', reason: 'missing id; specversion must be "1.0"' });
    expect(reasonOf(decode({}))).toBe('missing id; missing source; missing specversion; missing type');
    expect(reasonOf(decode({ ...minimal, id: '', source: 42 }))).toBe('id must be a non-empty string; source must be a non-empty string');
    expect(reasonOf(decode({ ...minimal, subject: 5 }))).toBe('subject must be a string');
  });

  it('requires time, when present, to be an RFC 3339 timestamp', () => {
    for (const time of ['2026-11-26T14:20:23Z', '2026-11-26T14:20:23.123456+01:00', '2026-11-26t14:20:23z', '2016-12-31T23:59:60Z', '2028-02-29T00:00:00-05:30']) {
      expect(decode({ ...minimal, time }), time).toMatchObject({ kind: 'cloudevent', event: { time } });
    }
    for (const time of ['2026-11-26 14:20:23Z', '2026-11-26T14:20:23', '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-11-26T24:00:00Z', 'yesterday', '1764166823']) {
      expect(decode({ ...minimal, time }), time).toEqual({ kind: 'rejected', code: 'not_cloudevent', reason: 'time must be an RFC 3339 timestamp' });
    }
  });

  it('rejects attribute names that are not lower-case a-z and 0-9', () => {
    const result = decode({ ...minimal, partitionKey: 'hall', trace_parent: 'x' });
    expect(result).toMatchObject({ kind: 'rejected', code: 'not_cloudevent' });
    expect(reasonOf(result)).toContain('"partitionKey"');
    expect(reasonOf(result)).toContain('"trace_parent"');
  });

  it('rejects binary data (data_base64) as unsupported, saying why', () => {
    const result = decode({ ...minimal, data_base64: 'AAEC' });
    expect(result).toMatchObject({ kind: 'rejected', code: 'unsupported' });
    expect(reasonOf(result)).toMatch(/data_base64.*JSON/);
  });

  it('rejects extensions whose values are not strings, numbers or booleans as bad_shape', () => {
    const result = decode({ ...minimal, labels: { a: 1 }, tags: ['x'], nothing: null });
    expect(result).toEqual({
      kind: 'rejected',
      code: 'bad_shape',
      reason: 'extension labels must be a string, number or boolean, got object; ' +
        'extension tags must be a string, number or boolean, got object; ' +
        'extension nothing must be a string, number or boolean, got null',
    });
    expect(decode({ ...minimal, partitionkey: 7 })).toEqual({
      kind: 'rejected',
      code: 'bad_shape',
      reason: 'extension partitionkey must be a non-empty string',
    });
  });
});
