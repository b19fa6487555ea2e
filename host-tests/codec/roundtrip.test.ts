// Property-based round trips: random valid packets of every type and level, with random
// properties, encode -> decode -> same fields, and the same through the Framer however the
// bytes are chunked; streamed PUBLISH; topic filter matching against a reference matcher.
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { decodeBody, encodePublishHeader, Framer, PacketType } from '../../src/core/codec/index.js';
import { matchFilter, validateTopicFilter, validateTopicName } from '../../src/core/topic/index.js';
import { validateTopicNameUtf8 } from '../../src/core/topic/validate.js';
import { validateUtf8 } from '../../src/core/codec/index.js';
import { anyPacket, anyPacketOf, bytes, propsArb, topicName } from './helpers/arbitraries.js';
import { canon, fromMqtt, toMqtt } from './helpers/convert.js';
import { decodeOurs, encodeOurs, frame, hex, newPacket, parsePeer } from './helpers/harness.js';

const chunkSizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 });

test('10,000 random packets: encode -> decodePacket and -> Framer (random chunks and 1 byte at a time) give the same fields', (t) => {
  let packets = 0;
  const types = new Set<string>();
  fc.assert(
    fc.property(anyPacket, chunkSizes, ({ version, obj }, chunks) => {
      const want = canon(obj, version);
      const bytes = encodeOurs(fromMqtt(obj, version, newPacket()));
      const { rc, p } = decodeOurs(bytes, version);
      equal(rc, 0, `decodePacket -0x${(-rc).toString(16)} on ${hex(bytes)}`);
      deepStrictEqual(canon(toMqtt(p), version), want);
      const random = frame(bytes, version, chunks, 1024);
      equal(random.error, 0);
      deepStrictEqual(random.packets, [want]);
      const bytewise = frame(bytes, version, [1], 1024);
      deepStrictEqual(bytewise.packets, [want]);
      packets++;
      types.add(`${obj.cmd}/${version}`);
    }),
    { numRuns: 10000 },
  );
  t.true(packets >= 10000, `${packets} packets`);
  t.is(types.size, 14 * 3 + 1, [...types].sort().join(' '));
});

test('random streams of several packets, concatenated, frame into the same packets', (t) => {
  let packets = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(3, 4, 5).chain((v) => fc.tuple(fc.constant(v), fc.array(anyPacketOf(v), { minLength: 2, maxLength: 12 }))),
      chunkSizes,
      fc.integer({ min: 800, max: 2048 }),
      ([version, objs], chunks, capacity) => {
        const stream = Buffer.concat(objs.map((o) => encodeOurs(fromMqtt(o, version, newPacket()))));
        const got = frame(stream, version, chunks, capacity);
        equal(got.error, 0);
        deepStrictEqual(got.packets, objs.map((o) => canon(o, version)));
        packets += objs.length;
      },
    ),
    { numRuns: 500 },
  );
  t.true(packets > 2000, `${packets} packets`);
});

/**
 * mqtt-packet quirk: its parser groups a repeated user property name only when the value
 * seen first is truthy, so a repeated name whose first value is '' loses that value.
 */
function repeatsEmptyUserValue(props: { userProperties?: Record<string, string | string[]> } | undefined): boolean {
  const up = props?.userProperties ?? {};
  return Object.values(up).some((v) => Array.isArray(v) && v[0] === '');
}

test('random packets we encode parse in mqtt-packet with the same fields', (t) => {
  let checked = 0;
  fc.assert(
    fc.property(anyPacket, ({ version, obj }) => {
      const bytes = encodeOurs(fromMqtt(obj, version, newPacket()));
      // mqtt-packet's parser needs AUTH's reason code, which MQTT 5 lets us omit (3.15.2.1).
      if (obj.cmd === 'auth' && bytes.length === 2) return;
      fc.pre(!repeatsEmptyUserValue(obj.properties) && !repeatsEmptyUserValue(obj.will?.properties));
      const peer = parsePeer(bytes, version);
      equal(peer.error, undefined, String(peer.error));
      deepStrictEqual(canon(peer.packets[0], version), canon(obj, version));
      checked++;
    }),
    { numRuns: 2000 },
  );
  t.true(checked > 1800, `${checked}`);
});

test('streamed PUBLISH: a buffer smaller than the packet yields the head, then chunks that concatenate to the payload', (t) => {
  let runs = 0;
  fc.assert(
    fc.property(
      fc.record({
        version: fc.constantFrom(3, 4, 5),
        topic: topicName,
        qos: fc.constantFrom(0, 1, 2),
        payload: fc.integer({ min: 1, max: 3000 }).chain((n) => bytes(n).filter((b) => b.length > 0)),
        props: propsArb('publish'),
        chunks: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        slack: fc.nat(),
      }),
      ({ version, topic, qos, payload, props, chunks, slack }) => {
        const obj = { cmd: 'publish', topic, payload, qos, dup: false, retain: qos === 1, messageId: qos ? 77 : undefined, properties: version === 5 ? props : undefined };
        if (obj.properties?.topicAlias !== undefined) obj.properties.topicAlias = 1;
        const p = fromMqtt(obj, version, newPacket());
        const head = encodePublishHeader(p, Buffer.alloc(4096), 0);
        ok(head > 0);
        const total = head + payload.length;
        // Any buffer that holds the head but not the whole packet.
        const capacity = head + (slack % (total - head));
        const stream = Buffer.concat([encodeOurs(p), Buffer.from([0xd0, 0x00])]);
        const framer = new Framer(capacity, null, decodeBody);
        framer.version = version;
        framer.streaming = true;
        const q = newPacket();
        const parts: Buffer[] = [];
        let headSeen: unknown;
        let trailer = 0;
        let pos = 0;
        let k = 0;
        for (let guard = 0; pos < stream.length; guard++) {
          ok(guard < stream.length * 2 + 10);
          pos += framer.push(stream, pos, Math.min(chunks[k++ % chunks.length], stream.length - pos));
          for (let n = framer.next(q); n !== 0; n = framer.next(q)) {
            ok(n > 0, `next -0x${(-n).toString(16)}`);
            if (q.type === PacketType.Pingresp) { trailer++; continue; }
            equal(q.chunk, parts.length === 0 ? 1 : 2);
            equal(q.streamTotal, payload.length);
            equal(q.streamOffset, parts.reduce((s, b) => s + b.length, 0));
            if (q.chunk === 1) {
              const m = toMqtt(q);
              headSeen = canon({ ...m, payload: Buffer.alloc(0) }, version);
            }
            parts.push(Buffer.from(q.payload.subarray(q.payloadOff, q.payloadOff + q.payloadLen)));
          }
        }
        deepStrictEqual(headSeen, canon({ ...obj, payload: Buffer.alloc(0) }, version));
        equal(hex(Buffer.concat(parts)), hex(payload));
        equal(trailer, 1);
        runs++;
      },
    ),
    { numRuns: 1000 },
  );
  t.is(runs, 1000);
});

test('streaming off: a PUBLISH larger than the buffer is refused with 0x95', (t) => {
  const p = fromMqtt({ cmd: 'publish', topic: 't', payload: Buffer.alloc(100), qos: 0 }, 4, newPacket());
  const got = frame(encodeOurs(p), 4, [1], 64);
  t.is(got.error, -0x95);
});

// ---- topic filter matching -------------------------------------------------------------

/** The reference: MQTT 5 section 4.7 written the obvious way, on strings. */
function referenceMatch(filter: string, topic: string): boolean {
  // MQTT-4.7.2-1: a filter starting with a wildcard does not match a topic starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const l = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also matches the parent level: "a/#" matches "a"
    if (i >= l.length) return false;
    if (f[i] !== '+' && f[i] !== l[i]) return false;
  }
  return f.length === l.length;
}

const tLevel = fc.constantFrom('a', 'b', '', '$x', 'x$', 'é', '$SYS', 'ab');
const randomTopic = fc.array(tLevel, { minLength: 1, maxLength: 5 }).map((a) => a.join('/')).filter((s) => s.length > 0);
const fLevel = fc.constantFrom('a', 'b', '', '+', '$x', 'é', '$SYS', 'ab');
const randomFilter = fc.tuple(fc.array(fLevel, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
  .filter((s) => s.length > 0);
/** A filter made from the topic (so that many match): some levels become '+', the tail may become '#'. */
function derivedFilter(topic: string): fc.Arbitrary<string> {
  const levels = topic.split('/');
  return fc.tuple(fc.array(fc.boolean(), { minLength: levels.length, maxLength: levels.length }), fc.integer({ min: 0, max: levels.length + 1 }))
    .map(([plus, cut]) => {
      const f = levels.map((l, i) => (plus[i] ? '+' : l));
      return cut < f.length ? [...f.slice(0, cut), '#'].join('/') : f.join('/');
    });
}

test('matchFilter agrees with a reference matcher on random topics and filters ($ topics, #, +, empty levels)', (t) => {
  let matches = 0;
  let runs = 0;
  fc.assert(
    fc.property(randomTopic.chain((topic) => fc.tuple(fc.constant(topic), fc.oneof(randomFilter, derivedFilter(topic)))), ([topic, filter]) => {
      const tb = Buffer.from(topic);
      const fb = Buffer.from(filter);
      equal(validateTopicName(tb, 0, tb.length), 0);
      equal(validateTopicFilter(fb, 0, fb.length), 0, filter);
      // Offsets inside a larger buffer, to catch code that assumes offset 0.
      const big = Buffer.concat([Buffer.from('xx'), fb, Buffer.from('/#'), tb, Buffer.from('+')]);
      const want = referenceMatch(filter, topic);
      equal(matchFilter(big, 2, fb.length, big, 4 + fb.length, tb.length), want, `${filter} vs ${topic}`);
      if (want) matches++;
      runs++;
    }),
    { numRuns: 20000 },
  );
  t.true(matches > runs / 5, `${matches} of ${runs} matched`);
  t.true(matches < runs, `${matches} of ${runs} matched`);
});

test('matchFilter on the examples of MQTT 5 section 4.7', (t) => {
  const cases: [string, string, boolean][] = [
    ['sport/tennis/player1/#', 'sport/tennis/player1', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/ranking', true],
    ['sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon', true],
    ['sport/#', 'sport', true],
    ['#', 'a/b', true],
    ['sport/tennis/+', 'sport/tennis/player1', true],
    ['sport/tennis/+', 'sport/tennis/player1/ranking', false],
    ['sport/+', 'sport', false],
    ['sport/+', 'sport/', true],
    ['+/+', '/finance', true],
    ['/+', '/finance', true],
    ['+', '/finance', false],
    ['#', '$SYS/x', false],
    ['+/monitor/Clients', '$SYS/monitor/Clients', false],
    ['$SYS/#', '$SYS/monitor/Clients', true],
    ['$SYS/monitor/+', '$SYS/monitor/Clients', true],
    ['a//b', 'a//b', true],
    ['a/+/b', 'a//b', true],
  ];
  for (const [f, topic, want] of cases) {
    t.is(matchFilter(Buffer.from(f), 0, Buffer.byteLength(f), Buffer.from(topic), 0, Buffer.byteLength(topic)), want, `${f} vs ${topic}`);
    t.is(referenceMatch(f, topic), want, `reference: ${f} vs ${topic}`);
  }
});

test('validateTopicNameUtf8 (the one-pass PUBLISH topic check) equals validateUtf8 then validateTopicName', (t) => {
  const byte = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(0x61, 0x2f, 0x24, 0x20, 0x7f) },
    { weight: 1, arbitrary: fc.constantFrom(0x00, 0x2b, 0x23) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 1, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98) },
  );
  let slow = 0;
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 24 }), fc.nat(3), (arr, pad) => {
      const buf = Buffer.concat([Buffer.alloc(pad, 0x23), Buffer.from(arr), Buffer.alloc(pad, 0x80)]);
      const want = validateUtf8(buf, pad, arr.length) < 0 ? -0x81 : validateTopicName(buf, pad, arr.length);
      equal(validateTopicNameUtf8(buf, pad, arr.length), want, Buffer.from(arr).toString('hex'));
      if (want !== 0) slow++;
    }),
    { numRuns: 20000 },
  );
  t.true(slow > 1000, `${slow} invalid inputs`);
});
