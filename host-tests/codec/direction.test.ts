// The codec split by direction: client.ts (what a client sends and receives) and server.ts (the
// broker's half) agree byte for byte and field for field with codec.ts, the both-ways dispatcher,
// on every packet type in their direction, and refuse the other direction's packets.
import { deepStrictEqual, equal } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import {
  checkFixedHeader, decodeClientPacket, decodePacket, decodeServerPacket, encodeClientPacket, encodePacket, encodeServerPacket,
  Packet, PacketType, Reader, readVarint, ReasonCode, varintSize,
} from '../../src/core/codec/index.js';
import { anyPacket, bytes } from './helpers/arbitraries.js';
import { canon, fromMqtt, toMqtt } from './helpers/convert.js';
import { encodeOurs, hex, newPacket } from './helpers/harness.js';
import { vectors } from './helpers/vectors.js';

const CLIENT_SENDS = new Set([PacketType.Connect, PacketType.Publish, PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel,
  PacketType.Pubcomp, PacketType.Subscribe, PacketType.Unsubscribe, PacketType.Pingreq, PacketType.Disconnect, PacketType.Auth]);
const SERVER_SENDS = new Set([PacketType.Connack, PacketType.Publish, PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel,
  PacketType.Pubcomp, PacketType.Suback, PacketType.Unsuback, PacketType.Pingresp, PacketType.Disconnect, PacketType.Auth]);

type Decode = (r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet) => number;
type Encode = (p: Packet, out: Uint8Array, off: number) => number;

const reader = new Reader();

function decodeWith(decode: Decode, b: Uint8Array, version: number): { rc: number; p: Packet } {
  const p = newPacket();
  return { rc: decode(reader, b, 0, b.length, version, p), p };
}

/** The encoding as hex (ava compares a string of the 2 MB vector fast, a Buffer slowly), or the negated reason code. */
function encodeWith(encode: Encode, p: Packet, size: number): string | number {
  const out = Buffer.alloc(size);
  const n = encode(p, out, 0);
  return n < 0 ? n : out.toString('hex', 0, n);
}

/**
 * The result a one-direction decoder must give: codec.ts's, or 0x82 for a packet of the other
 * direction whose fixed header is sound (the header is checked first, in both, with its own codes).
 */
function expected(b: Uint8Array, version: number, receives: Set<number>): number {
  const all = decodeWith(decodePacket, b, version).rc;
  if (b.length < 2 || checkFixedHeader(b[0], version) < 0 || receives.has(b[0] >> 4)) return all;
  const remaining = readVarint(b, 1, b.length);
  if (remaining < 0 || 1 + varintSize(remaining) + remaining !== b.length) return all;
  return -ReasonCode.ProtocolError;
}

const VECTORS = vectors();

test('every vector: each direction encodes its own packets byte for byte as codec.ts does, and refuses the others with 0x81', (t) => {
  let client = 0;
  let server = 0;
  for (const v of VECTORS) {
    const p = fromMqtt(v.obj, v.version, newPacket());
    const wire = encodeOurs(p);
    const want = wire.toString('hex');
    const size = wire.length;
    if (CLIENT_SENDS.has(p.type)) {
      t.deepEqual(encodeWith(encodeClientPacket, p, size), want, v.name);
      client++;
    } else t.is(encodeWith(encodeClientPacket, p, size), -ReasonCode.MalformedPacket, v.name);
    if (SERVER_SENDS.has(p.type)) {
      t.deepEqual(encodeWith(encodeServerPacket, p, size), want, v.name);
      server++;
    } else t.is(encodeWith(encodeServerPacket, p, size), -ReasonCode.MalformedPacket, v.name);
    t.is(encodeWith(encodeClientPacket, p, size - 1), CLIENT_SENDS.has(p.type) ? -ReasonCode.PacketTooLarge : -ReasonCode.MalformedPacket);
  }
  t.true(client > 50 && server > 50);
});

test('every vector: each direction decodes what it receives with the fields and code of codec.ts, and refuses the rest with 0x82', (t) => {
  for (const v of VECTORS) {
    const b = encodeOurs(fromMqtt(v.obj, v.version, newPacket()));
    const all = decodeWith(decodePacket, b, v.version);
    t.is(all.rc, 0, v.name);
    for (const [decode, receives] of [[decodeServerPacket, SERVER_SENDS], [decodeClientPacket, CLIENT_SENDS]] as [Decode, Set<number>][]) {
      const one = decodeWith(decode, b, v.version);
      if (receives.has(all.p.type)) {
        t.is(one.rc, 0, v.name);
        t.deepEqual(canon(toMqtt(one.p), v.version), canon(toMqtt(all.p), v.version), v.name);
      } else t.is(one.rc, -ReasonCode.ProtocolError, v.name);
    }
  }
});

test('a client refuses CONNECT, SUBSCRIBE, UNSUBSCRIBE and PINGREQ from a server with 0x82, as the session does', (t) => {
  const cases: [string, number[]][] = [
    ['CONNECT', [0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x63]],
    ['SUBSCRIBE', [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]],
    ['UNSUBSCRIBE', [0xa2, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]],
    ['PINGREQ', [0xc0, 0x00]],
  ];
  for (const [name, b] of cases) {
    t.is(decodeWith(decodePacket, Buffer.from(b), 4).rc, 0, `${name} is well formed`);
    t.is(decodeWith(decodeServerPacket, Buffer.from(b), 4).rc, -ReasonCode.ProtocolError, name);
  }
  // MQTT 5: a SUBSCRIBE with properties is refused the same way.
  t.is(decodeWith(decodeServerPacket, Buffer.from([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x00]), 5).rc, -ReasonCode.ProtocolError);
});

test('MQTT-2.1.3-1: the fixed header is checked before the direction, so a SUBSCRIBE with flags 0000 stays malformed (0x81)', (t) => {
  t.is(decodeWith(decodeServerPacket, Buffer.from([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]), 4).rc, -ReasonCode.MalformedPacket);
  t.is(decodeWith(decodeServerPacket, Buffer.from([0x10, 0x05, 0x00]), 4).rc, -ReasonCode.MalformedPacket);
  t.is(decodeWith(decodeServerPacket, Buffer.from([0x00, 0x00]), 5).rc, -ReasonCode.MalformedPacket);
});

test('a server refuses CONNACK, SUBACK, UNSUBACK and PINGRESP from a client with 0x82', (t) => {
  for (const b of [[0x20, 0x02, 0x00, 0x00], [0x90, 0x03, 0x00, 0x01, 0x00], [0xb0, 0x02, 0x00, 0x01], [0xd0, 0x00]]) {
    t.is(decodeWith(decodeClientPacket, Buffer.from(b), 4).rc, -ReasonCode.ProtocolError, hex(Buffer.from(b)));
  }
});

test('2,000 random packets: the direction that receives a packet decodes it as codec.ts does; the other gives 0x82', (t) => {
  fc.assert(
    fc.property(anyPacket, ({ version, obj }) => {
      const b = encodeOurs(fromMqtt(obj, version, newPacket()));
      const all = decodeWith(decodePacket, b, version);
      equal(all.rc, 0);
      for (const [decode, receives] of [[decodeServerPacket, SERVER_SENDS], [decodeClientPacket, CLIENT_SENDS]] as [Decode, Set<number>][]) {
        const one = decodeWith(decode, b, version);
        if (!receives.has(all.p.type)) equal(one.rc, -ReasonCode.ProtocolError);
        else {
          equal(one.rc, 0);
          deepStrictEqual(canon(toMqtt(one.p), version), canon(toMqtt(all.p), version));
        }
      }
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('random bytes: each direction gives codec.ts\'s result for what it receives, 0x82 for a whole packet of the other direction', (t) => {
  const first = fc.integer({ min: 0, max: 255 });
  fc.assert(
    fc.property(fc.constantFrom(3, 4, 5), first, bytes(40), (version, f, rest) => {
      // Half the cases get a remaining length that agrees, to reach the body decoders.
      const body = rest.subarray(0, Math.min(rest.length, 127));
      for (const b of [Buffer.concat([Buffer.from([f]), rest]), Buffer.concat([Buffer.from([f, body.length]), body])]) {
        equal(decodeWith(decodeServerPacket, b, version).rc, expected(b, version, SERVER_SENDS), hex(b));
        equal(decodeWith(decodeClientPacket, b, version).rc, expected(b, version, CLIENT_SENDS), hex(b));
      }
    }),
    { numRuns: 5000 },
  );
  t.pass();
});
