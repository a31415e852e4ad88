// The CloudEvents MQTT binding as mqtt.js needs it: binary and structured modes, the two mqtt.js
// traps (an empty userProperties object, undefined values), and a round trip through the SDK.
import { describe, expect, it } from 'vitest';
import { MQTT, MQTTMessageFactory } from 'cloudevents';
import { CE_JSON, encodeEvent, toStructuredPayload } from '../../gateway/uplink/cloudevents-mqtt.ts';
import { toCloudEventJson, type LoggedEvent } from '../../gateway/events/event.ts';

const logged: LoggedEvent = {
  seq: 42,
  id: '0190a1b2-0000-7000-8000-000000000001',
  source: '/sites/home/zigbee2mqtt/hall/motion',
  type: 'sensor.occupancy',
  time: '2026-01-01T08:00:00.000Z',
  subject: 'hall/motion',
  partitionkey: 'hall',
  data: { device: 'hall/motion', occupied: true },
};

describe('CloudEvents over MQTT', () => {
  it('binary mode: data is the payload, attributes are string user properties, the content type is set', () => {
    const { payload, properties } = encodeEvent(toCloudEventJson(logged), 'binary', true);
    expect(payload).toBe('{"device":"hall/motion","occupied":true}');
    expect(properties).toEqual({
      contentType: 'application/json',
      userProperties: {
        specversion: '1.0',
        id: logged.id,
        source: logged.source,
        type: 'sensor.occupancy',
        time: logged.time,
        subject: 'hall/motion',
        partitionkey: 'hall',
        sequence: '00000000000000000042',
        datacontenttype: 'application/json',
      },
    });
  });

  it('never puts undefined or non-string values in user properties (mqtt-packet throws on them)', () => {
    const event = { ...toCloudEventJson({ ...logged, extensions: { count: 3, flag: false } }), dataschema: undefined, nothing: null };
    const { properties } = encodeEvent(event, 'binary', true);
    const values = Object.values(properties!.userProperties!);
    expect(values.every((v) => typeof v === 'string')).toBe(true);
    expect(properties!.userProperties).toMatchObject({ count: '3', flag: 'false' });
    expect(properties!.userProperties).not.toHaveProperty('dataschema');
    expect(properties!.userProperties).not.toHaveProperty('nothing');
  });

  it('never sends an empty userProperties object (the publish would never settle)', () => {
    expect(encodeEvent({ data: 1 }, 'binary', true)).toEqual({ payload: '1' });
    expect(encodeEvent({ datacontenttype: 'text/plain', data: 'x' }, 'binary', true).properties).toEqual({ contentType: 'text/plain', userProperties: { datacontenttype: 'text/plain' } });
  });

  it('structured mode: the whole event as JSON, with the CloudEvents content type on MQTT 5 and no properties on 3.1.1', () => {
    const json = toCloudEventJson(logged);
    const v5 = encodeEvent(json, 'structured', true);
    expect(JSON.parse(v5.payload)).toEqual(json);
    expect(v5.properties).toEqual({ contentType: CE_JSON });
    expect(encodeEvent(json, 'structured', false)).toEqual({ payload: JSON.stringify(json) });
  });

  it('what it sends, the cloudevents SDK reads back as the same event, in both modes', () => {
    const json = toCloudEventJson(logged);
    const binary = encodeEvent(json, 'binary', true);
    const fromBinary = MQTT.toEvent(MQTTMessageFactory(binary.properties!.contentType!, binary.properties!.userProperties!, binary.payload)) as unknown as { id: string; sequence: string; data: unknown };
    expect(fromBinary).toMatchObject({ id: logged.id, source: logged.source, type: logged.type, partitionkey: 'hall', sequence: '00000000000000000042' });
    // The SDK leaves binary data as the raw text.
    expect(JSON.parse(fromBinary.data as string)).toEqual(logged.data);
    const structured = encodeEvent(json, 'structured', true);
    const fromStructured = MQTT.toEvent(MQTTMessageFactory(structured.properties!.contentType!, {}, structured.payload)) as unknown as { id: string; data: unknown };
    expect(fromStructured).toMatchObject({ id: logged.id, data: logged.data });
  });

  it('folds a received binary-mode message into the structured form, and passes structured ones through', () => {
    const binary = encodeEvent(toCloudEventJson(logged), 'binary', true);
    const folded = JSON.parse(toStructuredPayload({ payload: Buffer.from(binary.payload), properties: binary.properties }).toString());
    expect(folded).toMatchObject({ id: logged.id, type: logged.type, datacontenttype: 'application/json', data: logged.data });
    const structured = Buffer.from(JSON.stringify(toCloudEventJson(logged)));
    expect(toStructuredPayload({ payload: structured, properties: { contentType: CE_JSON } })).toBe(structured);
    expect(toStructuredPayload({ payload: structured })).toBe(structured);
  });
});
