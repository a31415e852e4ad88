// The fixed-header check in front of aedes' parser: packet boundaries followed across any chunking,
// and a connection cut at the first header that is too large or malformed.
import { describe, expect, it } from 'vitest';
import { FixedHeaderScanner } from '../../gateway/broker/packet-limit.ts';
import { remainingLength } from '../helpers/raw-mqtt.ts';

// CONNECT, protocol "MQTT" level 4, clean session, keepalive 60, client id "test".
const connect = (): Buffer => Buffer.from([0x10, 16, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 4, 0x74, 0x65, 0x73, 0x74]);
const publish = (payloadBytes: number): Buffer => {
  const body = Buffer.concat([Buffer.from([0, 1, 0x74]), Buffer.alloc(payloadBytes, 0x61)]);
  return Buffer.concat([Buffer.from([0x30]), remainingLength(body.length), body]);
};

describe('FixedHeaderScanner', () => {
  it('passes well-formed packets however the stream is cut, counting them', () => {
    const stream = Buffer.concat([connect(), publish(10), publish(300), Buffer.from([0xc0, 0]), publish(20_000), Buffer.from([0xe0, 0])]);
    for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const scanner = new FixedHeaderScanner(64 * 1024);
      const reasons = new Set<string | undefined>();
      for (let i = 0; i < stream.length; i += size) reasons.add(scanner.feed(stream.subarray(i, i + size)));
      expect([...reasons]).toEqual([undefined]);
      expect(scanner.packets).toBe(6);
    }
  });

  it('refuses a packet over the limit at its header, before its body arrives', () => {
    const scanner = new FixedHeaderScanner(1000);
    expect(scanner.feed(connect())).toBeUndefined();
    expect(scanner.feed(publish(995 - 6))).toBeUndefined(); // exactly 1000 bytes in all
    // 0x80 0x80 0x80 0x74: 244 MB declared, refused after five bytes (Mosquitto 01-bad-initial-packets).
    expect(scanner.feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x74]))).toMatch(/exceeds the limit of 1000/);
    // Once failed, it stays failed.
    expect(scanner.feed(Buffer.from([0xc0, 0]))).toMatch(/exceeds/);
  });

  it.each([
    ['a first packet other than CONNECT [MQTT-3.1.0-1]', [0x30, 0x02, 0, 0], /first packet must be CONNECT/],
    ['a remaining length of five bytes [MQTT-2.2.3]', [0x10, 0xff, 0xff, 0xff, 0xff, 0x7f], /longer than four bytes/],
    ['reserved packet type 0', [0x00, 0x00], /type 0/],
    ['reserved packet type 15 (MQTT 5 AUTH)', [0xf0, 0x00], /type 15/],
    ['a server-to-client packet (CONNACK)', [0x20, 0x02, 0, 0], /type 2/],
    ['reserved flags on CONNECT [MQTT-2.2.2-2]', [0x11, 0x00], /reserved flags 0001/],
  ])('refuses %s', (_name, bytes, reason) => {
    expect(new FixedHeaderScanner(1 << 20).feed(Buffer.from(bytes))).toMatch(reason);
  });

  it.each([
    ['PUBLISH with QoS 3 [MQTT-3.3.1-4]', [0x36, 0x05, 0, 1, 0x74, 0, 1], /QoS 3/],
    ['SUBSCRIBE without its 0010 flags [MQTT-3.8.1-1]', [0x80, 0x06, 0, 1, 0, 1, 0x74, 0], /reserved flags 0000 on packet type 8/],
    ['PUBREL without its 0010 flags [MQTT-3.6.1-1]', [0x60, 0x02, 0, 1], /reserved flags/],
    ['PINGREQ with a body', [0xc0, 0x01, 0], /must be 0/],
    ['PUBACK of three bytes', [0x40, 0x03, 0, 1, 0], /must be 2/],
  ])('refuses after CONNECT: %s', (_name, bytes, reason) => {
    const scanner = new FixedHeaderScanner(1 << 20);
    expect(scanner.feed(connect())).toBeUndefined();
    expect(scanner.feed(Buffer.from(bytes))).toMatch(reason);
  });
});
