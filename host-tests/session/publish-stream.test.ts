// Outbound streaming (Session.publishStream / streamWrite), ping() and the packet observer:
// what an ECMA-419 client needs to write a message larger than its send buffer in pieces and to
// report every control packet.
import test from 'ava';
import { Packet, ReasonCode } from '../../src/core/codec/index.js';
import { NO_ROOM, PacketObserver } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, reconnect } from './common.js';
import * as P from './packets.js';

const SEND = 96;

function payload(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = 65 + (i % 26);
  return b;
}

/** Streams `body` through streamWrite in pieces of at most `piece` bytes, sending after each. */
function streamAll(h: Harness, body: Uint8Array, piece: number): number {
  let done = 0;
  let rounds = 0;
  while (done < body.length && rounds++ < 10000) {
    const room = h.session.streamRoom();
    if (room === 0) throw new Error(`no room at ${done} of ${body.length}`);
    const n = Math.min(room, piece, body.length - done);
    done += h.session.streamWrite(body, done, n);
  }
  return done;
}

for (const v of [4, 5]) {
  const opts = () => testOptions({ version: v, sendBufferSize: SEND, storeBytes: 256 });

  test(`v${v}: a payload larger than the send buffer goes out in pieces as one PUBLISH, after what was queued before it; PUBACK ends it`, (t) => {
    const h = connected(opts());
    const s = h.session;
    const first = s.publish(enc('q/a'), 0, 3, enc('one'), 0, 3, 1, false);
    const body = payload(1000);
    const handle = s.publishStream(enc('big/x'), 0, 5, body.length, 1, true);
    t.true(handle > 0);
    t.is(s.streamHandle(), handle, 'the stream is open once its head is sent');
    t.is(streamAll(h, body, 37), body.length);
    t.is(s.streamRoom(), 0);
    t.is(s.streamHandle(), 0);
    h.expect(P.publish('q/a', 'one', { v, qos: 1, id: 1 }), P.publish('big/x', body, { v, qos: 1, id: 2, retain: true }));
    h.respond(P.puback(2, 0, { v }), P.puback(1, 0, { v }));
    t.deepEqual(h.handler.done, [[handle, 0], [first, 0]]);
  });

  test(`v${v}: while the payload streams, nothing else is written: a received QoS 1 message is acknowledged, and a new publish sent, after the last byte`, (t) => {
    const h = connected(opts());
    const s = h.session;
    const body = payload(300);
    s.publishStream(enc('big/x'), 0, 5, body.length, 0, false);
    let done = s.streamWrite(body, 0, 10);
    h.respond(P.publish('in/m', 'hi', { v, qos: 1, id: 7 }));
    s.publish(enc('q/b'), 0, 3, enc('two'), 0, 3, 0, false);
    t.is(s.ping(), NO_ROOM, 'no PINGREQ inside the payload: no room now');
    done += streamAll(h, body.subarray(done), 50);
    t.is(done, body.length);
    h.expect(P.publish('big/x', body, { v }), P.publish('q/b', 'two', { v }), P.puback(7, 0, { v }));
    t.deepEqual(h.handler.messages.map((m) => m.topic), ['in/m']);
  });

  test(`v${v}: a streamed QoS 1 message cut before its PUBACK is reported (0x80) and not sent again; one not yet started survives`, (t) => {
    const o = opts();
    o.cleanStart = v === 4 ? false : o.cleanStart;
    const h = connected(o);
    const s = h.session;
    const body = payload(200);
    const a = s.publishStream(enc('big/a'), 0, 5, body.length, 1, false);
    const b = s.publishStream(enc('big/b'), 0, 5, 4, 1, false);
    s.streamWrite(body, 0, 20);
    h.cut();
    t.deepEqual(h.handler.done, [[a, ReasonCode.UnspecifiedError]]);
    t.is(s.streamRoom(), 0);
    h.takeSent();
    reconnect(h, o, v === 4);
    t.is(s.streamHandle(), b, 'the queued stream opens on the new connection');
    s.streamWrite(enc('tail'), 0, 4);
    h.expect(P.publish('big/b', 'tail', { v, qos: 1, id: 2 }));
    h.expectNothing();
  });

  test(`v${v}: ping() sends PINGREQ now; the observer sees PINGRESP, PUBREC, PUBCOMP and PUBREL after the session handled them`, (t) => {
    const h = connected(opts());
    const s = h.session;
    const seen: string[] = [];
    const observer: PacketObserver = { onPacket(p: Packet): void { seen.push(`${p.type}:${p.packetId}:${s.store.find(p.packetId) >= 0 ? 'held' : 'free'}`); } };
    s.observer = observer;
    t.is(s.ping(), 0);
    h.expect(P.pingreq(v));
    h.respond(P.pingresp(v));
    s.publish(enc('q/c'), 0, 3, enc('x'), 0, 1, 2, false);
    h.expect(P.publish('q/c', 'x', { v, qos: 2, id: 1 }));
    h.respond(P.pubrec(1, 0, { v }));
    h.expect(P.pubrel(1, 0, { v }));
    h.respond(P.pubcomp(1, 0, { v }));
    h.respond(P.publish('in/q2', 'y', { v, qos: 2, id: 9 }));
    h.expect(P.pubrec(9, 0, { v }));
    h.respond(P.pubrel(9, 0, { v }));
    h.expect(P.pubcomp(9, 0, { v }));
    t.deepEqual(seen, ['13:0:free', '5:1:held', '7:1:free', '6:9:free']);
  });
}

test('publishStream refuses a head larger than the send buffer, and a total over the server Maximum Packet Size', (t) => {
  const h = connected(testOptions({ sendBufferSize: SEND }), { props: { [0x27]: 500 } });
  const s = h.session;
  const long = enc('t/' + 'x'.repeat(SEND));
  t.is(s.publishStream(long, 0, long.length, 10, 0, false), -ReasonCode.PacketTooLarge);
  t.is(s.publishStream(enc('t/a'), 0, 3, 600, 0, false), -ReasonCode.PacketTooLarge);
  t.true(s.publishStream(enc('t/a'), 0, 3, 400, 0, false) > 0);
});
