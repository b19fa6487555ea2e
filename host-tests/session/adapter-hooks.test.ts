// What an MQTT.js-style adapter (targets/moddable/mqtt-js.ts) needs from the session: QoS 0
// messages reported once written (SessionOptions.reportQos0), and SUBACK / UNSUBACK records
// that name the filters their codes answer, also for requests sent later than asked for.
import test from 'ava';
import { Packet } from '../../src/core/codec/index.js';
import { decodeUtf8 } from '../../src/core/codec/utf8.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect } from './common.js';
import * as P from './packets.js';

function ackFilters(ack: Packet): string[] {
  const out: string[] = [];
  for (let i = 0; i < ack.count; i++) {
    const len = ack.filterLength(i);
    out.push(len < 0 ? '?' : decodeUtf8(ack.filter[i], ack.filterOffset(i), len));
  }
  return out;
}

test('reportQos0: a QoS 0 message is reported with 0 once written, after earlier ones', (t) => {
  const h = connected(testOptions({ reportQos0: true }));
  const s = h.session;
  const a = s.publishString('t', 'a', 0, false);
  const b = s.publishString('t', 'b', 0, false);
  t.true(a > 0 && b > a);
  h.expect(P.publish('t', 'a'), P.publish('t', 'b'));
  t.deepEqual(h.handler.done, [[a, 0], [b, 0]]);
});

test('reportQos0: a QoS 0 message queued while offline is reported when sent after CONNACK', (t) => {
  const opts = testOptions({ reportQos0: true });
  const h = new Harness(opts);
  const a = h.session.publishString('t', 'a', 0, false);
  t.deepEqual(h.handler.done, []);
  h.start();
  h.expect(expectedConnect(opts));
  h.respond(P.connack(0, false, { v: 5 }));
  h.expect(P.publish('t', 'a'));
  t.deepEqual(h.handler.done, [[a, 0]]);
});

test('without reportQos0 a sent QoS 0 message is not reported', (t) => {
  const h = connected();
  h.session.publishString('t', 'a', 0, false);
  h.expect(P.publish('t', 'a'));
  t.deepEqual(h.handler.done, []);
});

test('SUBACK names the filters of its codes, also for filters asked for before the connection', (t) => {
  const opts = testOptions();
  const h = new Harness(opts);
  const seen: string[][] = [];
  const onSubscribe = h.handler.onSubscribe.bind(h.handler);
  h.handler.onSubscribe = (ack: Packet) => { seen.push(ackFilters(ack)); onSubscribe(ack); };
  const s = h.session;
  t.is(s.subscribeAdd(enc('a/+'), 0, 3, 1, 0, null), 0);
  t.is(s.subscribeAdd(enc('b'), 0, 1, 2, 0, null), 0);
  t.is(s.subscribeSend(), 1, 'not connected: the packet id is known all the same');
  h.start();
  h.expect(expectedConnect(opts));
  h.respond(P.connack(0, false, { v: 5 }));
  h.expect(P.subscribe(1, [['a/+', 1], ['b', 2]]));
  h.respond(P.suback(1, [1, 0x80]));
  t.deepEqual(seen, [['a/+', 'b']]);
  t.deepEqual(h.handler.subacks, [{ id: 1, codes: [1, 0x80] }]);
});

test('UNSUBACK names its filters; a code with no filter of ours is marked unknown', (t) => {
  const h = connected();
  const seen: string[][] = [];
  h.handler.onUnsubscribe = (ack: Packet) => { seen.push(ackFilters(ack)); };
  const s = h.session;
  s.subscribe(enc('x'), 0, 1, 0, 0, null);
  h.expect(P.subscribe(1, [['x', 0]]));
  h.respond(P.suback(1, [0]));
  t.is(s.unsubscribe(enc('x'), 0, 1), 2);
  h.expect(P.unsubscribe(2, ['x']));
  // A server answering with more codes than filters: the extra one names no filter.
  h.respond(P.unsuback(2, [0, 0]));
  t.deepEqual(seen, [['x', '?']]);
});
