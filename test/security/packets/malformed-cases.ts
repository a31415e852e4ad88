// The table of malformed and abusive MQTT 3.1.1 packets, each with the conformance id it tests and
// what the broker must do: close the connection, or answer with a given packet and stay up.
// Written for firstlight (not taken from Mosquitto's EPL/EDL test data).
import { connectPacket, mqttString, packet, remainingLength } from '../../helpers/raw-mqtt.ts';

export interface MalformedCase {
  name: string;
  /** Sent as the first packet (no CONNECT before it). */
  first?: boolean;
  /** The bytes declare more than is sent: the client half-closes after them. */
  truncated?: boolean;
  bytes: Buffer;
  /** 'close', or the hex the broker answers with while the connection stays. */
  expect: 'close' | { reply: string };
}

const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 0xff]);
const publish = (topic: string | Buffer, flags = 0, id?: number): Buffer =>
  packet(3, flags, mqttString(topic), ...(id === undefined ? [] : [u16(id)]), Buffer.from('payload'));
const subscribe = (flags: number, ...filters: Array<[string | Buffer, number]>): Buffer =>
  packet(8, flags, u16(1), ...filters.flatMap(([f, qos]) => [mqttString(f), Buffer.from([qos])]));
const deep = (levels: number): string => Array.from({ length: levels }, (_, i) => `l${i}`).join('/');

export const malformedCases: MalformedCase[] = [
  // First packet and CONNECT itself.
  { name: 'a first packet other than CONNECT: PUBLISH [MQTT-3.1.0-1]', first: true, bytes: publish('a/b'), expect: 'close' },
  { name: 'a first packet other than CONNECT: PINGREQ [MQTT-3.1.0-1]', first: true, bytes: Buffer.from([0xc0, 0]), expect: 'close' },
  { name: 'a first packet other than CONNECT: SUBSCRIBE [MQTT-3.1.0-1]', first: true, bytes: subscribe(2, ['#', 0]), expect: 'close' },
  { name: 'CONNECT with reserved fixed-header flags [MQTT-2.2.2-2]', first: true, bytes: Buffer.from([0x11, ...connectPacket('x').subarray(1)]), expect: 'close' },
  { name: 'CONNECT with protocol name "MQTX" [MQTT-3.1.2-1]', first: true, bytes: connectPacket('x', { protocol: 'MQTX' }), expect: 'close' },
  { name: 'CONNECT with protocol level 9: CONNACK 1 [MQTT-3.1.2-2]', first: true, bytes: connectPacket('x', { level: 9 }), expect: 'close' },
  { name: 'CONNECT with the reserved flag bit set [MQTT-3.1.2-3]', first: true, bytes: connectPacket('x', { flags: 0x03 }), expect: 'close' },
  { name: 'CONNECT with a password flag but no user name flag [MQTT-3.1.2-22]', first: true, bytes: connectPacket('x', { flags: 0x42, extra: [mqttString('pw')] }), expect: 'close' },
  { name: 'CONNECT with will QoS 1 but no will flag [MQTT-3.1.2-13]', first: true, bytes: connectPacket('x', { flags: 0x0a }), expect: 'close' },
  { name: 'CONNECT with will QoS 3 [MQTT-3.1.2-14]', first: true, bytes: connectPacket('x', { flags: 0x1e, extra: [mqttString('w'), mqttString('m')] }), expect: 'close' },
  { name: 'CONNECT with a will topic holding "#" [MQTT-3.3.2-2]', first: true, bytes: connectPacket('x', { flags: 0x06, extra: [mqttString('w/#'), mqttString('m')] }), expect: 'close' },
  { name: 'CONNECT with U+0000 in the client id [MQTT-1.5.3-2]', first: true, bytes: connectPacket('a\u0000b'), expect: 'close' },
  { name: 'CONNECT with ill-formed UTF-8 in the client id [MQTT-1.5.3-1]', first: true, bytes: connectPacket(Buffer.from([0x61, 0xff, 0xfe])), expect: 'close' },
  { name: 'CONNECT with an encoded surrogate U+D800 in the client id [MQTT-1.5.3-1]', first: true, bytes: connectPacket(Buffer.from([0xed, 0xa0, 0x80])), expect: 'close' },
  { name: 'CONNECT with a C0 control character in the client id [MQTT-1.5.3-3]', first: true, bytes: connectPacket('a\u0001b'), expect: 'close' },
  { name: 'CONNECT cut short (declares 40 bytes, sends 10)', first: true, truncated: true, bytes: Buffer.concat([Buffer.from([0x10, 40]), Buffer.alloc(10, 0x41)]), expect: 'close' },
  { name: 'a remaining length of five bytes [MQTT-2.2.3]', first: true, bytes: Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]), expect: 'close' },
  { name: 'a declared length of 268,435,455 bytes (the maximum)', first: true, bytes: Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]), expect: 'close' },
  { name: 'reserved packet type 0', first: true, bytes: Buffer.from([0x00, 0x00]), expect: 'close' },
  { name: 'reserved packet type 15', first: true, bytes: Buffer.from([0xf0, 0x00]), expect: 'close' },
  // After a good CONNECT.
  { name: 'a second CONNECT [MQTT-3.1.0-2]', bytes: connectPacket('again'), expect: 'close' },
  { name: 'a server-to-client packet: CONNACK', bytes: Buffer.from([0x20, 0x02, 0, 0]), expect: 'close' },
  { name: 'a server-to-client packet: SUBACK', bytes: Buffer.from([0x90, 0x03, 0, 1, 0]), expect: 'close' },
  { name: 'PUBLISH with "+" in the topic [MQTT-3.3.2-2]', bytes: publish('a/+/b'), expect: 'close' },
  { name: 'PUBLISH with "#" in the topic [MQTT-3.3.2-2]', bytes: publish('a/#'), expect: 'close' },
  { name: 'PUBLISH with an empty topic [MQTT-4.7.3-1]', bytes: publish(''), expect: 'close' },
  { name: 'PUBLISH with QoS 3 [MQTT-3.3.1-4]', bytes: publish('a/b', 0b0110, 1), expect: 'close' },
  { name: 'PUBLISH with ill-formed UTF-8 in the topic [MQTT-1.5.3-1]', bytes: publish(Buffer.from([0x61, 0x2f, 0xc3, 0x28])), expect: 'close' },
  { name: 'PUBLISH with U+0000 in the topic [MQTT-1.5.3-2]', bytes: publish('a/\u0000'), expect: 'close' },
  { name: 'PUBLISH with an encoded surrogate in the topic [MQTT-1.5.3-1]', bytes: publish(Buffer.from([0x61, 0x2f, 0xed, 0xb0, 0x80])), expect: 'close' },
  { name: 'PUBLISH with U+FFFF in the topic [MQTT-1.5.3-3]', bytes: publish('a/\uffff'), expect: 'close' },
  { name: 'PUBLISH with a C1 control character in the topic [MQTT-1.5.3-3]', bytes: publish('a/\u0085'), expect: 'close' },
  { name: 'PUBLISH with a topic deeper than the limit (17 levels)', bytes: publish(deep(17)), expect: 'close' },
  { name: 'PUBLISH with a topic longer than the limit (2,000 characters)', bytes: publish('t'.repeat(2000)), expect: 'close' },
  { name: 'PUBLISH with a topic length beyond the packet', bytes: Buffer.concat([Buffer.from([0x30, 4, 0x00, 0x40]), Buffer.from('ab')]), expect: 'close' },
  { name: 'PUBLISH cut short (declares 100 bytes, sends 20)', truncated: true, bytes: Buffer.concat([Buffer.from([0x32, 100, 0, 3]), Buffer.from('a/b'), Buffer.alloc(15, 0x61)]), expect: 'close' },
  { name: 'SUBSCRIBE without its 0010 flags [MQTT-3.8.1-1]', bytes: subscribe(0, ['a/b', 0]), expect: 'close' },
  { name: 'SUBSCRIBE with no topic filter [MQTT-3.8.3-3]', bytes: packet(8, 2, u16(1)), expect: 'close' },
  { name: 'SUBSCRIBE asking for QoS 3 [MQTT-3.8.3-4]', bytes: subscribe(2, ['a/b', 3]), expect: 'close' },
  { name: 'SUBSCRIBE with "#" not last [MQTT-4.7.1-2]', bytes: subscribe(2, ['a/#/b', 0]), expect: 'close' },
  { name: 'SUBSCRIBE with "+" inside a level [MQTT-4.7.1-3]', bytes: subscribe(2, ['a/b+/c', 0]), expect: 'close' },
  { name: 'SUBSCRIBE with ill-formed UTF-8 in the filter: SUBACK 0x80', bytes: subscribe(2, [Buffer.from([0x61, 0xff]), 0]), expect: { reply: '9003000180' } },
  { name: 'SUBSCRIBE with a filter deeper than the limit', bytes: subscribe(2, [deep(17), 0]), expect: 'close' },
  { name: 'SUBSCRIBE with a filter longer than the limit: SUBACK 0x80', bytes: subscribe(2, ['f'.repeat(2000), 0]), expect: { reply: '9003000180' } },
  { name: 'UNSUBSCRIBE without its 0010 flags [MQTT-3.10.1-1]', bytes: packet(10, 0, u16(1), mqttString('a')), expect: 'close' },
  { name: 'PUBREL without its 0010 flags [MQTT-3.6.1-1]', bytes: Buffer.from([0x60, 0x02, 0, 1]), expect: 'close' },
  { name: 'PINGREQ with a body', bytes: Buffer.from([0xc0, 0x01, 0x00]), expect: 'close' },
  { name: 'DISCONNECT with a body', bytes: Buffer.from([0xe0, 0x01, 0x00]), expect: 'close' },
  { name: 'PUBACK of three bytes', bytes: Buffer.from([0x40, 0x03, 0, 1, 0]), expect: 'close' },
  { name: 'an unsolicited PUBACK is ignored', bytes: Buffer.from([0x40, 0x02, 0, 7]), expect: { reply: '' } },
  { name: 'an unsolicited PUBCOMP is ignored', bytes: Buffer.from([0x70, 0x02, 0, 7]), expect: { reply: '' } },
  { name: 'an unsolicited PUBREL is answered with PUBCOMP [MQTT-4.3.3-2]', bytes: Buffer.from([0x62, 0x02, 0, 7]), expect: { reply: '70020007' } },
  { name: 'a packet over the size limit after CONNECT', bytes: Buffer.concat([Buffer.from([0x30]), remainingLength(300_000), mqttString('a/b')]), expect: 'close' },
];
