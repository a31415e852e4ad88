// Checks the MQTT 3.1.1 fixed header of every packet a client sends, before aedes' parser sees a
// byte: aedes has no maximum packet size (aedes #831) and mqtt-packet buffers whatever remaining
// length a client declares, so the limit has to sit in front of it.

/** Client-to-server packet types of MQTT 3.1.1 and the flags each must carry [MQTT-2.2.2-1]. */
const FIXED_FLAGS: Record<number, number | undefined> = {
  1: 0, // CONNECT
  3: undefined, // PUBLISH: DUP, QoS, RETAIN (checked below)
  4: 0, // PUBACK
  5: 0, // PUBREC
  6: 0b0010, // PUBREL [MQTT-3.6.1-1]
  7: 0, // PUBCOMP
  8: 0b0010, // SUBSCRIBE [MQTT-3.8.1-1]
  10: 0b0010, // UNSUBSCRIBE [MQTT-3.10.1-1]
  12: 0, // PINGREQ
  14: 0, // DISCONNECT
};

/** Packets whose remaining length the spec fixes: acks carry a packet id, PINGREQ and DISCONNECT nothing. */
const FIXED_LENGTH: Record<number, number | undefined> = { 4: 2, 5: 2, 6: 2, 7: 2, 12: 0, 14: 0 };

const enum State {
  Header,
  Length,
  Body,
}

/**
 * Follows packet boundaries through a byte stream, reading only fixed headers and skipping bodies,
 * so its cost is per packet, not per byte. Returns a reason at the first header that breaks a rule.
 */
export class FixedHeaderScanner {
  #state = State.Header;
  #type = 0;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #left = 0;
  #packets = 0;
  #failed: string | undefined;

  constructor(readonly maxPacketBytes: number) {}

  /** Packets whose header was read so far. */
  get packets(): number {
    return this.#packets;
  }

  /** Scans the next bytes; undefined while everything is well-formed. */
  feed(chunk: Uint8Array): string | undefined {
    if (this.#failed) return this.#failed;
    let i = 0;
    while (i < chunk.length) {
      switch (this.#state) {
        case State.Header: {
          const byte = chunk[i++]!;
          const type = byte >> 4;
          const flags = byte & 0x0f;
          if (!(type in FIXED_FLAGS)) return this.#fail(`packet type ${type} is not one a client may send`);
          // [MQTT-3.1.0-1] the first packet must be CONNECT; refusing others here means nothing
          // is buffered for a client that never identified itself.
          if (this.#packets === 0 && type !== 1) return this.#fail(`the first packet must be CONNECT, not type ${type} [MQTT-3.1.0-1]`);
          const expected = FIXED_FLAGS[type];
          if (expected !== undefined && flags !== expected) return this.#fail(`reserved flags ${flags.toString(2).padStart(4, '0')} on packet type ${type} [MQTT-2.2.2-2]`);
          if (type === 3 && (flags & 0b0110) === 0b0110) return this.#fail('PUBLISH with QoS 3 [MQTT-3.3.1-4]');
          this.#type = type;
          this.#length = 0;
          this.#multiplier = 1;
          this.#lengthBytes = 0;
          this.#state = State.Length;
          this.#packets++;
          break;
        }
        case State.Length: {
          const byte = chunk[i++]!;
          this.#length += (byte & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          this.#lengthBytes++;
          if (byte & 0x80) {
            // [MQTT-2.2.3] the remaining length takes at most four bytes.
            if (this.#lengthBytes === 4) return this.#fail('remaining length longer than four bytes [MQTT-2.2.3]');
            break;
          }
          const fixed = FIXED_LENGTH[this.#type];
          if (fixed !== undefined && this.#length !== fixed) return this.#fail(`packet type ${this.#type} declares ${this.#length} bytes, must be ${fixed}`);
          const total = 1 + this.#lengthBytes + this.#length;
          if (total > this.maxPacketBytes) return this.#fail(`packet of ${total} bytes exceeds the limit of ${this.maxPacketBytes}`);
          this.#left = this.#length;
          this.#state = this.#left > 0 ? State.Body : State.Header;
          break;
        }
        case State.Body: {
          const take = Math.min(this.#left, chunk.length - i);
          i += take;
          this.#left -= take;
          if (this.#left === 0) this.#state = State.Header;
          break;
        }
      }
    }
    return undefined;
  }

  #fail(reason: string): string {
    this.#failed = reason;
    return reason;
  }
}
