import test from 'ava';
import { Packet, Properties, PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { MessageHandler } from '../../src/core/session/index.js';
import { ExtraProperties } from '../../src/core/session/options.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, reconnect } from './common.js';
import * as P from './packets.js';

class Collect implements MessageHandler {
  topics: string[] = [];
  onMessage(msg: Packet): void {
    this.topics.push(Buffer.from(msg.topic.subarray(msg.topicOff, msg.topicOff + msg.topicLen)).toString());
  }
}

test('SUBSCRIBE with several filters and v5 options; SUBACK codes per filter reach the caller', (t) => {
  const h = connected();
  const s = h.session;
  t.is(s.subscribeAdd(enc('a/+'), 0, 3, 1, 0, null), 0);
  t.is(s.subscribeAdd(enc('b/#'), 0, 3, 2 | 0x04 | 0x08 | 0x10, 0, null), 0);
  t.is(s.subscribeAdd(enc('c'), 0, 1, 0, 0, null), 0);
  const id = s.subscribeSend();
  t.is(id, 1);
  h.expect(P.subscribe(1, [['a/+', 1], ['b/#', 0x1e], ['c', 0]]));
  h.respond(P.suback(1, [1, 2, 0x80]));
  t.deepEqual(h.handler.subacks, [{ id: 1, codes: [1, 2, 0x80] }]);
  // The refused filter is not kept.
  t.is(s.subs.find(enc('c'), 0, 1), -1);
  t.true(s.subs.find(enc('a/+'), 0, 3) >= 0);
});

const SUBACK_CODES = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2];
for (const rc of SUBACK_CODES) {
  test(`SUBACK reason code 0x${rc.toString(16)} is delivered; refusals free the filter`, (t) => {
    const h = connected();
    h.session.subscribe(enc('x/y'), 0, 3, 2, 0, null);
    h.expect(P.subscribe(1, [['x/y', 2]]));
    h.respond(P.suback(1, [rc]));
    t.deepEqual(h.handler.subacks[0].codes, [rc]);
    t.is(h.session.subs.find(enc('x/y'), 0, 3) >= 0, rc < 0x80);
  });
}

test('MQTT 3.1.1 SUBACK 0x80 failure is delivered', (t) => {
  const h = connected(testOptions({ version: 4 }));
  h.session.subscribe(enc('x'), 0, 1, 1, 0, null);
  h.expect(P.subscribe(1, [['x', 1]], { v: 4 }));
  h.respond(P.suback(1, [0x80], { v: 4 }));
  t.deepEqual(h.handler.subacks[0].codes, [0x80]);
});

test('UNSUBSCRIBE with reason codes; the filter is gone after UNSUBACK', (t) => {
  const h = connected();
  const s = h.session;
  s.subscribe(enc('a'), 0, 1, 0, 0, null);
  h.expect(P.subscribe(1, [['a', 0]]));
  h.respond(P.suback(1, [0]));
  t.is(s.unsubscribe(enc('a'), 0, 1), 2);
  h.expect(P.unsubscribe(2, ['a']));
  h.respond(P.unsuback(2, [ReasonCode.NoSubscriptionExisted]));
  t.deepEqual(h.handler.log.slice(-1), ['unsuback 2 17']);
  t.is(s.subs.find(enc('a'), 0, 1), -1);
  t.is(s.unsubscribe(enc('zz'), 0, 2), -ReasonCode.NoSubscriptionExisted);
});

test('subscription identifier goes in its own SUBSCRIBE', (t) => {
  const h = connected();
  const s = h.session;
  s.subscribeAdd(enc('a'), 0, 1, 0, 7, null);
  s.subscribeAdd(enc('b'), 0, 1, 0, 0, null);
  s.subscribeSend();
  h.expect(P.subscribe(1, [['a', 0]], { props: { [PropertyId.SubscriptionIdentifier]: 7 } }), P.subscribe(2, [['b', 0]]));
  t.is(h.session.requestRoom(), h.session.opts.pendingRequests - 2, 'two requests in flight');
});

test('per-filter handlers: byte matching routes each message; unmatched go to the session handler', (t) => {
  const h = connected();
  const s = h.session;
  const sensors = new Collect();
  const shared = new Collect();
  s.subscribe(enc('sensors/+/temp'), 0, 14, 0, 0, sensors);
  s.subscribe(enc('$share/g/jobs/#'), 0, 15, 0, 0, shared);
  h.takeSent();
  h.respond(P.suback(1, [0]), P.suback(2, [0]));
  h.respond(P.publish('sensors/k/temp', '1'), P.publish('jobs/a/b', '2'), P.publish('other', '3'), P.publish('sensors/k/hum', '4'));
  t.deepEqual(sensors.topics, ['sensors/k/temp']);
  t.deepEqual(shared.topics, ['jobs/a/b']);
  t.deepEqual(h.handler.messages.map((m) => m.topic), ['other', 'sensors/k/hum']);
});

test('invalid filters are refused before sending', (t) => {
  const h = connected();
  t.is(h.session.subscribe(enc('a/#/b'), 0, 5, 0, 0, null), -ReasonCode.TopicFilterInvalid);
  t.is(h.session.subscribe(enc('a+'), 0, 2, 0, 0, null), -ReasonCode.TopicFilterInvalid);
  h.expectNothing();
});

test('subscribe while offline is sent after CONNACK; after a reconnect without a session, filters are subscribed again', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = new Harness(o);
  t.is(h.session.subscribe(enc('a'), 0, 1, 1, 0, null), 1, 'the packet id is known at once, offline too');
  h.start();
  h.takeSent();
  h.respond(P.connack(0, false));
  h.expect(P.subscribe(1, [['a', 1]]));
  h.respond(P.suback(1, [1]));
  h.cut();
  reconnect(h, o, false);
  h.expect(P.subscribe(2, [['a', 1]]));
  h.respond(P.suback(2, [1]));
  h.cut();
  reconnect(h, o, true);
  h.expectNothing();
  t.deepEqual(h.handler.subacks.map((x) => x.id), [1, 2]);
});

test('SUBSCRIBE awaiting SUBACK when the connection drops is sent again, with the id the caller was given', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  t.is(h.session.subscribe(enc('a'), 0, 1, 1, 0, null), 1);
  h.expect(P.subscribe(1, [['a', 1]]));
  h.cut();
  reconnect(h, o, true);
  h.expect(P.subscribe(1, [['a', 1]]));
  h.respond(P.suback(1, [1]));
  t.deepEqual(h.handler.subacks, [{ id: 1, codes: [1] }]);
});

test('subscription handles: each subscribeSend returns its own packet id; several SUBSCRIBEs are in flight at once and complete in any order', (t) => {
  const h = connected(testOptions({ pendingRequests: 2 }));
  const s = h.session;
  t.is(s.requestRoom(), 2);
  const a = s.subscribe(enc('a'), 0, 1, 1, 0, null);
  const b = s.subscribe(enc('b'), 0, 1, 0, 0, null);
  t.deepEqual([a, b], [1, 2]);
  h.expect(P.concat(P.subscribe(1, [['a', 1]]), P.subscribe(2, [['b', 0]])));
  t.is(s.requestRoom(), 0);
  t.is(s.subscribe(enc('c'), 0, 1, 0, 0, null), 0, 'no request entry free: the filter waits, in a request of the session');
  h.expectNothing();
  h.respond(P.suback(2, [0]));
  h.expect(P.subscribe(3, [['c', 0]]));
  h.respond(P.suback(1, [1]));
  h.respond(P.suback(3, [0]));
  t.deepEqual(h.handler.subacks, [{ id: 2, codes: [0] }, { id: 1, codes: [1] }, { id: 3, codes: [0] }]);
  t.is(s.requestRoom(), 2);
});

test('an UNSUBSCRIBE cut off by the connection ends without a packet when the server kept no session: its handle is reported with no codes', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  const s = h.session;
  s.subscribe(enc('a'), 0, 1, 1, 0, null);
  h.expect(P.subscribe(1, [['a', 1]]));
  h.respond(P.suback(1, [1]));
  t.is(s.unsubscribe(enc('a'), 0, 1), 2);
  h.expect(P.unsubscribe(2, ['a']));
  h.cut();
  reconnect(h, o, false);
  h.expectNothing();
  t.deepEqual(h.handler.log.filter((l) => l.startsWith('unsuback')), ['unsuback 2 ']);
  t.is(s.requestRoom(), o.pendingRequests);
});

test('MQTT 5 request properties go with the request of the subscribeSend that follows them, not with another due at the same time', (t) => {
  const o = testOptions();
  o.extraProperties = new ExtraProperties();
  o.extraProperties.request = new Properties(4, 0);
  const h = new Harness(o);
  const s = h.session;
  s.subscribe(enc('a'), 0, 1, 0, 0, null);
  s.requestProperties()!.addUserProperty(enc('k'), 0, 1, enc('v'), 0, 1);
  s.subscribe(enc('b'), 0, 1, 0, 0, null);
  h.start();
  h.takeSent();
  h.respond(P.connack(0, false));
  h.expect(P.concat(P.subscribe(1, [['a', 0]]), P.subscribe(2, [['b', 0]], { user: [['k', 'v']] })));
  t.true(s.requestProperties()!.isEmpty(), 'cleared once written');
});
