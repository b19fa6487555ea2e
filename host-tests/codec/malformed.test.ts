// Malformed input: each case is named after the normative statement it exercises (MQTT 5.0
// numbering unless marked 3.1.1; section numbers where the spec states the rule without an id),
// with the exact reason code decodePacket and Framer.next must return.
import test from 'ava';
import { decodeBody, decodePacket, Framer, Packet, Reader } from '../../src/core/codec/index.js';
import { CASES, connect, pk, props, s, sub4, sub5, TOO_LARGE } from './helpers/malformed-cases.js';

test(`the table has at least 60 malformed inputs (${CASES.length}) with distinct names`, (t) => {
  t.true(CASES.length >= 60);
  t.is(new Set(CASES.map((c) => c.name)).size, CASES.length);
});

for (const c of CASES) {
  test(`v${c.version} ${c.name} -> 0x${c.code.toString(16)}`, (t) => {
    const p = new Packet(8, 8, 4);
    const rc = decodePacket(new Reader(), c.bytes, 0, c.bytes.length, c.version, p);
    t.is(rc, -c.code, `decodePacket returned -0x${(-rc).toString(16)}`);
    // The same bytes at an offset inside a larger buffer.
    const padded = Buffer.concat([Buffer.from([0xaa, 0xbb, 0xcc]), c.bytes, Buffer.from([0xdd])]);
    t.is(decodePacket(new Reader(), padded, 3, c.bytes.length, c.version, p), -c.code, 'at an offset');
    if (c.only === 'decode') return;
    for (const chunk of [c.bytes.length, 1]) {
      const framer = new Framer(256, null, decodeBody);
      framer.version = c.version;
      let n = 0;
      for (let pos = 0; pos < c.bytes.length && n === 0;) {
        pos += framer.push(c.bytes, pos, Math.min(chunk, c.bytes.length - pos));
        n = framer.next(p);
      }
      t.is(n, -c.code, `Framer.next returned ${n} (pushed ${chunk} at a time)`);
    }
  });
}

function publish(payloadLen: number): Buffer {
  return pk(0x30, s('t'), Buffer.alloc(payloadLen, 1));
}

test('3.1.2.11.4 / 3.2.2.3.6: a packet over the Maximum Packet Size -> 0x95 from the Framer', (t) => {
  const framer = new Framer(4096, null, decodeBody);
  framer.maxPacketSize = 64;
  // Refused from the fixed header alone, before the body arrives.
  framer.push(publish(100), 0, 4);
  t.is(framer.next(new Packet(1, 1, 1)), -TOO_LARGE);
  const ok = new Framer(4096, null, decodeBody);
  ok.maxPacketSize = 64;
  const exact = publish(64 - 5);
  t.is(exact.length, 64);
  ok.push(exact, 0, exact.length);
  t.is(ok.next(new Packet(1, 1, 1)), 64);
});

test('a packet larger than the receive buffer -> 0x95 without streaming, and for non-PUBLISH packets with it', (t) => {
  const big = publish(300);
  const framer = new Framer(128, null, decodeBody);
  framer.push(big, 0, 128);
  t.is(framer.next(new Packet(1, 1, 1)), -TOO_LARGE);
  const streaming = new Framer(128, null, decodeBody);
  streaming.streaming = true;
  const sub = pk(0x82, [0, 1], s('x'.repeat(200)), [0]);
  streaming.push(sub, 0, 128);
  t.is(streaming.next(new Packet(4, 1, 1)), -TOO_LARGE);
});

test('streaming: a PUBLISH head (topic, properties) that does not fit the buffer -> 0x95', (t) => {
  const framer = new Framer(32, null, decodeBody);
  framer.version = 5;
  framer.streaming = true;
  const big = pk(0x30, s('t'.repeat(40)), props(), Buffer.alloc(100));
  framer.push(big, 0, 32);
  t.is(framer.next(new Packet(1, 1, 1)), -TOO_LARGE);
});

test('a valid packet next to each malformed one decodes (the table is not rejecting everything)', (t) => {
  const p = new Packet(8, 8, 4);
  const good: [number, Buffer][] = [
    [4, pk(0x30, s('a/b'))],
    [5, pk(0x30, s(''), props([0x23, 0, 1]))],
    [5, sub5('$share/g/a/#', 0x2a)],
    [4, sub4('+/+/#', 0x02)],
    [5, pk(0x20, [1, 0], props([0x24, 1], [0x25, 0]))],
    [4, connect(4, 0xc2, null, s('c'), s('u'), s('pw'))],
    [5, connect(5, 0x42, props(), s('c'), s('pw'))],
    [5, pk(0xe0, [])],
    [5, pk(0xf0, [])],
    [5, pk(0x40, [0, 1])],
    [5, pk(0x30, s('a'), props([0x0b, 1], [0x0b, 2]))],
  ];
  for (const [v, b] of good) t.is(decodePacket(new Reader(), b, 0, b.length, v, p), 0, b.toString('hex'));
});
