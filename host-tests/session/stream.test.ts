// Streaming inbound PUBLISH (SessionOptions.streamLargePayloads): a message larger than the
// receive buffer reaches the application as its head and then payload pieces, through the same
// handlers, acknowledged after the last piece.
import test from 'ava';
import { Packet, PropertyId, ReasonCode, decodeUtf8 } from '../../src/core/codec/index.js';
import { MessageHandler, SessionOptions } from '../../src/core/session/index.js';
import { Chunk } from '../../src/core/codec/packet.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect, reconnect } from './common.js';
import * as P from './packets.js';

const BUF = 64;

interface Piece { chunk: number; topic: string; payload: number[]; offset: number; total: number; qos: number; id: number }

/** Records every call (a copy of what it needs: the record is reused). */
class Pieces implements MessageHandler {
  log: Piece[] = [];
  onMessage(m: Packet): void {
    this.log.push({ chunk: m.chunk, topic: decodeUtf8(m.topic, m.topicOff, m.topicLen), payload: Array.from(m.payload.subarray(m.payloadOff, m.payloadOff + m.payloadLen)),
      offset: m.streamOffset, total: m.streamTotal, qos: m.qos, id: m.packetId });
  }
  /** The payload put back together; checks the pieces are contiguous. */
  whole(): number[] {
    const out: number[] = [];
    let base = 0;
    for (const p of this.log) {
      if (p.chunk === Chunk.Aborted) continue;
      if (p.chunk < 2) base = out.length;
      if (p.chunk !== 0 && p.offset !== out.length - base) throw new Error(`piece at ${p.offset}, expected ${out.length - base}`);
      for (const b of p.payload) out.push(b);
    }
    return out;
  }
}

function streamOptions(over: Partial<SessionOptions> = {}): SessionOptions {
  return testOptions({ receiveBufferSize: BUF, streamLargePayloads: true, ...over });
}

function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** A connected harness subscribed to `a/#` with its own handler. */
function subscribed(opts: SessionOptions = streamOptions(), connackSpec: P.PacketSpec = {}): { h: Harness; sub: Pieces } {
  const h = connected(opts, connackSpec);
  const sub = new Pieces();
  h.session.subscribe(enc('a/#'), 0, 3, 2, 0, sub);
  h.expect(P.subscribe(1, [['a/#', 2]], { v: opts.version }));
  h.respond(P.suback(1, [2], { v: opts.version }));
  return { h, sub };
}

function feedBytewise(h: Harness, b: Uint8Array, from = 0, to = b.length): void {
  for (let i = from; i < to; i++) h.respond(b.subarray(i, i + 1));
}

test('CONNECT advertises the streaming limit as Maximum Packet Size (none when unlimited), not the buffer size', (t) => {
  for (const max of [0, 100000]) {
    const o = streamOptions({ maximumPacketSize: max });
    const h = new Harness(o).start();
    const want = expectedConnect(o);
    h.expect(want);
    t.is(Buffer.from(want).includes(Buffer.from([PropertyId.MaximumPacketSize, 0, 0, 0, BUF])), false);
  }
  const plain = testOptions({ receiveBufferSize: BUF });
  const h = new Harness(plain).start();
  h.expect(P.defaultConnect({ props: { [PropertyId.MaximumPacketSize]: BUF } }));
});

test('1-byte pieces: the head (topic, QoS 0) and then every byte, in order, to the filter handler', (t) => {
  const { h, sub } = subscribed();
  const payload = bytes(300);
  const pkt = P.publish('a/b', payload);
  feedBytewise(h, pkt);
  const head = sub.log[0];
  t.is(head.chunk, 1);
  t.is(head.topic, 'a/b');
  t.is(head.total, 300);
  t.is(head.offset, 0);
  t.true(sub.log.slice(1).every((p) => p.chunk === 2 && p.payload.length === 1 && p.topic === ''));
  t.deepEqual(sub.whole(), Array.from(payload));
  t.deepEqual(h.handler.messages, []);
  h.expectNothing();
  // The next message is whole again.
  h.respond(P.publish('a/c', 'x'));
  t.is(sub.log[sub.log.length - 1].chunk, 0);
  t.is(sub.log[sub.log.length - 1].topic, 'a/c');
  t.false(h.closed);
});

test('a packet exactly the buffer size is delivered whole; one byte more is streamed as head and one byte', (t) => {
  const { h, sub } = subscribed();
  const overhead = P.publish('a/b', new Uint8Array(0)).length;
  const exact = P.publish('a/b', bytes(BUF - overhead));
  t.is(exact.length, BUF);
  h.respond(exact);
  t.deepEqual(sub.log.map((p) => p.chunk), [0]);
  const over = P.publish('a/b', bytes(BUF - overhead + 1));
  h.respond(over);
  t.deepEqual(sub.log.slice(1).map((p) => [p.chunk, p.offset, p.payload.length]), [[1, 0, BUF - overhead], [2, BUF - overhead, 1]]);
  t.deepEqual(sub.whole(), [...bytes(BUF - overhead), ...bytes(BUF - overhead + 1)]);
  t.false(h.closed);
});

test('without streaming, a packet over the buffer ends in DISCONNECT 0x95 (MQTT-3.1.2-24)', (t) => {
  const h = connected(testOptions({ receiveBufferSize: BUF }));
  h.respond(P.publish('a/b', bytes(BUF)));
  h.expect(P.disconnect(ReasonCode.PacketTooLarge));
  t.true(h.closed);
});

test('with streaming, a packet over maximumPacketSize ends in DISCONNECT 0x95', (t) => {
  const { h, sub } = subscribed(streamOptions({ maximumPacketSize: 200 }));
  h.respond(P.publish('a/b', bytes(190)));
  t.is(sub.log[sub.log.length - 1].total, 190);
  h.respond(P.publish('a/b', bytes(200)));
  h.expect(P.disconnect(ReasonCode.PacketTooLarge));
  t.true(h.closed);
});

test('QoS 1: PUBACK only after the last piece (MQTT-4.3.2-4)', (t) => {
  const { h, sub } = subscribed();
  const pkt = P.publish('a/b', bytes(500), { qos: 1, id: 7 });
  h.respond(pkt.subarray(0, pkt.length - 1));
  t.is(sub.log[0].qos, 1);
  t.is(sub.log[0].id, 7);
  h.expectNothing();
  h.respond(pkt.subarray(pkt.length - 1));
  h.expect(P.puback(7));
  t.deepEqual(sub.whole(), Array.from(bytes(500)));
});

test('QoS 2: PUBREC after the last piece; a resent duplicate is not delivered again, PUBREC again (MQTT-4.3.3-10)', (t) => {
  const { h, sub } = subscribed();
  const pkt = P.publish('a/b', bytes(400), { qos: 2, id: 9 });
  h.respond(pkt.subarray(0, 200));
  h.expectNothing();
  h.respond(pkt.subarray(200));
  h.expect(P.pubrec(9));
  const delivered = sub.log.length;
  h.respond(P.publish('a/b', bytes(400), { qos: 2, id: 9, dup: true }));
  t.is(sub.log.length, delivered);
  h.expect(P.pubrec(9));
  h.respond(P.pubrel(9));
  h.expect(P.pubcomp(9));
  // Released: the id is new again.
  h.respond(P.publish('a/b', bytes(400, 1), { qos: 2, id: 9 }));
  h.expect(P.pubrec(9));
  t.is(sub.log[delivered].chunk, 1);
  t.deepEqual(sub.whole(), [...bytes(400), ...bytes(400, 1)]);
});

test('QoS 2: more unreleased than our Receive Maximum is refused at the head (0x93)', (t) => {
  const { h } = subscribed(streamOptions({ inboundQos2: 1 }));
  h.respond(P.publish('a/b', 'x', { qos: 2, id: 1 }));
  h.expect(P.pubrec(1));
  h.respond(P.publish('a/b', bytes(300), { qos: 2, id: 2 }));
  h.expect(P.disconnect(ReasonCode.ReceiveMaximumExceeded));
  t.true(h.closed);
});

test('pieces go to every handler the head went to, and only those; unmatched go to the session handler', (t) => {
  const h = connected(streamOptions());
  const one = new Pieces();
  const two = new Pieces();
  const other = new Pieces();
  h.session.subscribeAdd(enc('a/#'), 0, 3, 0, 0, one);
  h.session.subscribeAdd(enc('a/b'), 0, 3, 0, 0, two);
  h.session.subscribeAdd(enc('+/b'), 0, 3, 0, 0, one);
  h.session.subscribeAdd(enc('z/#'), 0, 3, 0, 0, other);
  h.session.subscribeSend();
  h.takeSent();
  h.respond(P.suback(1, [0, 0, 0, 0]));
  h.respond(P.publish('a/b', bytes(200)));
  t.deepEqual(one.whole(), Array.from(bytes(200)));
  t.deepEqual(two.whole(), Array.from(bytes(200)));
  t.is(one.log.length, two.log.length);
  t.is(other.log.length, 0);
  h.respond(P.publish('q', bytes(150)));
  t.is(h.handler.messages.length, 1 + Math.ceil((150 - (BUF - 2 - 3 - 1)) / BUF));
  t.is(h.handler.messages[0].topic, 'q');
  t.is(other.log.length, 0);
});

test('MQTT 3.1.1 streams as well', (t) => {
  const { h, sub } = subscribed(streamOptions({ version: 4 }));
  h.respond(P.publish('a/b', bytes(1000), { v: 4, qos: 1, id: 3 }));
  h.expect(P.puback(3, 0, { v: 4 }));
  t.deepEqual(sub.whole(), Array.from(bytes(1000)));
});

test('a topic alias set by a streamed head is resolved for the next message', (t) => {
  const { h, sub } = subscribed();
  h.respond(P.publish('a/b', bytes(200), { props: { [PropertyId.TopicAlias]: 2 } }));
  h.respond(P.publish('', 'x', { props: { [PropertyId.TopicAlias]: 2 } }));
  const last = sub.log[sub.log.length - 1];
  t.is(last.chunk, 0);
  t.is(last.topic, 'a/b');
});

test('cut mid-stream: the handler gets chunk 3 (Chunk.Aborted) and no ack is sent; the resend after reconnect is delivered whole', (t) => {
  for (const qos of [1, 2]) {
    const o = streamOptions({ cleanStart: false, sessionExpiry: 60 });
    const { h, sub } = subscribed(o);
    const pkt = P.publish('a/b', bytes(300), { qos, id: 5 });
    h.respond(pkt.subarray(0, 150));
    const got = sub.log.reduce((a, p) => a + p.payload.length, 0);
    h.cut();
    h.expectNothing();
    const end = sub.log[sub.log.length - 1];
    t.is(end.chunk, Chunk.Aborted);
    t.is(end.payload.length, 0);
    t.is(end.offset, got);
    t.is(end.total, 300);
    t.is(sub.log.filter((p) => p.chunk === Chunk.Aborted).length, 1);
    t.deepEqual(h.handler.closes.map((c) => c.rc), [0]);
    reconnect(h, o, true);
    sub.log = [];
    h.respond(P.publish('a/b', bytes(300), { qos, id: 5, dup: true }));
    h.expect(qos === 1 ? P.puback(5) : P.pubrec(5));
    t.is(sub.log[0].chunk, 1);
    t.is(sub.log[0].topic, 'a/b');
    t.deepEqual(sub.whole(), Array.from(bytes(300)));
    // Nothing more is reported for the finished stream when the connection ends.
    h.cut();
    t.false(sub.log.some((p) => p.chunk === Chunk.Aborted));
  }
});

test('a QoS 2 duplicate cut mid-stream reports nothing (it was never delivered)', (t) => {
  const { h, sub } = subscribed();
  h.respond(P.publish('a/b', 'x', { qos: 2, id: 4 }));
  h.expect(P.pubrec(4));
  const n = sub.log.length;
  h.respond(P.publish('a/b', bytes(300), { qos: 2, id: 4, dup: true }).subarray(0, 100));
  h.cut();
  t.is(sub.log.length, n);
});

test('keep alive mid-stream: PINGREQ goes out when due; pieces arriving keep the PINGRESP wait from expiring; silence still times out', (t) => {
  const o = streamOptions({ keepAlive: 10 });
  const { h, sub } = subscribed(o);
  const pkt = P.publish('a/b', bytes(300), { qos: 1, id: 2 });
  h.respond(pkt.subarray(0, 100));
  h.advance(10000);
  h.expect(P.pingreq());
  // The PINGRESP is queued behind the rest of the PUBLISH: pieces trickle in for longer than the 5 s wait.
  for (let i = 100; i < pkt.length; i += 20) {
    h.advance(4000);
    t.false(h.closed);
    h.respond(pkt.subarray(i, Math.min(i + 20, pkt.length)));
  }
  h.expect(P.puback(2));
  t.deepEqual(sub.whole(), Array.from(bytes(300)));
  h.respond(P.pingresp());
  h.advance(10000);
  h.expect(P.pingreq());
  h.advance(4999);
  t.false(h.closed);
  h.advance(1);
  t.true(h.closed);
  t.is(h.handler.closes[0].rc, ReasonCode.KeepAliveTimeout);
});

test('back-pressure mid-stream: pieces wait while the send buffer is full, and the ack goes out once it drains', (t) => {
  const { h, sub } = subscribed(streamOptions({ sendBufferSize: 100 }));
  h.transport.writeLimit = 0;
  // Fill the send buffer past the ack reserve with a queued QoS 0 message.
  t.true(h.session.publish(enc('t'), 0, 1, bytes(50), 0, 50, 0, false) > 0);
  const pkt = P.publish('a/b', bytes(300), { qos: 1, id: 8 });
  h.respond(pkt);
  t.is(sub.log.length, 0);
  t.true(h.transport.incoming.length > 0);
  h.transport.writeLimit = Infinity;
  h.transport.events!.onWritable();
  h.expect(P.publish('t', bytes(50)), P.puback(8));
  t.deepEqual(sub.whole(), Array.from(bytes(300)));
  t.false(h.closed);
});

test('a streamed PUBLISH whose topic and properties do not fit in the buffer ends in DISCONNECT 0x95', (t) => {
  const { h, sub } = subscribed();
  h.respond(P.publish('a/' + 'x'.repeat(BUF), bytes(100)));
  h.expect(P.disconnect(ReasonCode.PacketTooLarge));
  t.true(h.closed);
  t.is(sub.log.length, 0);
});
