// Client obligations of MQTT 3.1.1 and 5.0 not already shown by the flow tests, one test each,
// named for the statement they prove (the conformance table points here).
import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { utf8 } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect, pub, reconnect } from './common.js';
import * as P from './packets.js';

test('MQTT-4.6.0-1 MQTT-4.4.0-1 MQTT-3.3.1-1: unacknowledged PUBLISH resent in original order with DUP and the same ids after reconnect, not before', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  pub(h, 't', '1', 1);
  pub(h, 't', '2', 2);
  pub(h, 't', '3', 1);
  h.expect(P.publish('t', '1', { qos: 1, id: 1 }), P.publish('t', '2', { qos: 2, id: 2 }), P.publish('t', '3', { qos: 1, id: 3 }));
  h.advance(30000);
  h.expectNothing(); // no resend within a connection
  h.cut();
  reconnect(h, o, true);
  h.expect(P.publish('t', '1', { qos: 1, id: 1, dup: true }), P.publish('t', '2', { qos: 2, id: 2, dup: true }), P.publish('t', '3', { qos: 1, id: 3, dup: true }));
  t.is(h.session.store.inflight, 3);
});

test('MQTT-4.6.0-4 MQTT-4.3.3-6: PUBREL sent and resent in PUBREC order; the PUBLISH is never resent after PUBREL', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  pub(h, 't', 'a', 2);
  pub(h, 't', 'b', 2);
  h.takeSent();
  h.respond(P.pubrec(2), P.pubrec(1));
  h.expect(P.pubrel(2), P.pubrel(1));
  h.cut();
  reconnect(h, o, true);
  h.expect(P.pubrel(2), P.pubrel(1));
  h.respond(P.pubcomp(1), P.pubcomp(2));
  t.is(h.handler.done.length, 2);
});

test('MQTT-4.6.0-3 MQTT-4.6.0-2 MQTT-4.5.0-2: PUBREC and PUBACK in arrival order, also for messages no handler wanted', (t) => {
  const h = connected();
  h.respond(P.publish('x', '1', { qos: 2, id: 9 }), P.publish('y', '2', { qos: 1, id: 4 }), P.publish('z', '3', { qos: 2, id: 5 }));
  h.expect(P.pubrec(9), P.puback(4), P.pubrec(5));
  t.is(h.handler.messages.length, 3);
});

test('MQTT-3.2.2-5: Session Present 0 discards the session state; unacknowledged messages go again as new ones', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  pub(h, 't', 'q1', 1);
  pub(h, 't', 'q2', 2);
  h.takeSent();
  h.respond(P.publish('in', 'x', { qos: 2, id: 7 }));
  h.expect(P.pubrec(7));
  h.respond(P.pubrec(2));
  h.expect(P.pubrel(2));
  h.cut();
  reconnect(h, o, false);
  // QoS 1 goes again as a new message (no DUP, a new id); the QoS 2 message past PUBREC is done.
  h.expect(P.publish('t', 'q1', { qos: 1, id: 3 }));
  t.deepEqual(h.handler.done.map((d) => d[1]), [0]);
  t.is(h.session.inQos2.count, 0);
});

test('MQTT-3.2.2-4: Session Present 1 after a clean start is a protocol error', (t) => {
  const o = testOptions();
  const h = new Harness(o).start();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, true));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
});

test('MQTT-3.3.4-6: a client PUBLISH carries no Subscription Identifier (refused locally)', (t) => {
  const h = connected();
  h.session.messageProperties().setNumber(PropertyId.SubscriptionIdentifier, 5);
  t.is(pub(h, 't', 'x', 0), -ReasonCode.ProtocolError);
  h.expectNothing();
});

test('MQTT-3.3.4-8 MQTT-4.9.0-3: with the send quota used up, other packets still go out', (t) => {
  const h = connected(testOptions({ keepAlive: 10 }), { props: { [PropertyId.ReceiveMaximum]: 1 } });
  pub(h, 't', '1', 1);
  pub(h, 't', '2', 1);
  h.expect(P.publish('t', '1', { qos: 1, id: 1 }));
  h.session.subscribe(enc('s'), 0, 1, 0, 0, null);
  h.expect(P.subscribe(2, [['s', 0]]));
  h.respond(P.publish('in', 'x', { qos: 1, id: 3 }));
  h.expect(P.puback(3));
  h.advance(10000);
  h.expect(P.pingreq());
  t.is(h.session.store.queued, 1);
});

test('MQTT-3.1.2-30: after sending an Authentication Method, nothing but AUTH until CONNACK', (t) => {
  const method = { method: utf8('M'), begin: () => 0, challenge: () => 0 };
  const o = testOptions();
  const h = new Harness(o, method).start();
  h.expect(P.connect({ clientId: 'c1', keepAlive: 60, props: { [0x21]: 8, [0x27]: 2048, [0x22]: 8, [0x15]: 'M' } }));
  pub(h, 't', 'x', 1);
  h.expectNothing();
  h.respond(P.auth(0x18, { props: { [0x15]: 'M' } }));
  h.expect(P.auth(0x18, { props: { [0x15]: 'M' } }));
  h.respond(P.connack(0, false, { props: { [0x15]: 'M' } }));
  h.expect(P.publish('t', 'x', { qos: 1, id: 1 }));
  t.pass();
});

test('MQTT-4.12.0-7: without an Authentication Method the client sends no AUTH', (t) => {
  const h = connected();
  t.is(h.session.reauthenticate(), -ReasonCode.ProtocolError);
  h.expectNothing();
});

test('MQTT-3.14.4-1 MQTT-3.14.4-2: nothing is sent after DISCONNECT, and the client closes', (t) => {
  const h = connected();
  h.session.disconnect(0);
  t.is(pub(h, 't', 'late', 0) > 0, true); // kept in the queue, not sent
  h.expect(P.disconnect(0));
  h.expectNothing();
  t.true(h.closed);
});

test('MQTT-3.3.2-10: every alias from 1 to the announced maximum is accepted', (t) => {
  const h = connected();
  h.respond(P.publish('a', '1', { props: { [PropertyId.TopicAlias]: 1 } }), P.publish('b', '2', { props: { [PropertyId.TopicAlias]: 8 } }),
    P.publish('', '3', { props: { [PropertyId.TopicAlias]: 8 } }));
  t.deepEqual(h.handler.messages.map((m) => m.topic), ['a', 'b', 'b']);
  t.false(h.closed);
});

test('MQTT-3.2.2-18 MQTT-3.3.2-7: no Topic Alias without the server maximum, and none carried to a new connection', (t) => {
  const o = testOptions();
  const h = connected(o);
  pub(h, 'topic', 'x', 0);
  h.expect(P.publish('topic', 'x'));
  t.is(h.session.outAliases.count, 0);
});

test('3.1.1 MQTT-3.1.3-7: a zero-byte client identifier needs a clean session (refused locally)', (t) => {
  const o = testOptions({ version: 4, clientId: new Uint8Array(0), cleanStart: false });
  const h = new Harness(o).start();
  h.expectNothing();
  t.deepEqual(h.handler.closes, [{ rc: ReasonCode.ClientIdentifierNotValid, server: false }]);
});

test('3.1.1 MQTT-3.1.2-22: a password needs a user name (CONNECT not sent)', (t) => {
  const o = testOptions({ version: 4, password: utf8('p') });
  const h = new Harness(o).start();
  h.expectNothing();
  t.is(h.handler.closes[0].rc, ReasonCode.MalformedPacket);
});

test('MQTT-3.1.0-1 3.1.1 MQTT-3.2.0-1: CONNECT is the first packet; anything from the server before CONNACK other than AUTH is refused', (t) => {
  const o = testOptions({ version: 4 });
  const h = new Harness(o).start();
  h.expect(P.connect({ v: 4, clientId: 'c1', keepAlive: 60 }));
  h.respond(P.suback(1, [0], { v: 4 }));
  t.true(h.closed);
});

test('MQTT-1.5.4-3 3.1.1 MQTT-1.5.3-3: a leading U+FEFF (EF BB BF) in a topic is kept, not stripped', (t) => {
  const h = connected();
  h.respond(P.publish('\uFEFFbom', 'x'));
  t.is(h.handler.messages[0].topic, '\uFEFFbom');
  t.deepEqual(Array.from(h.session.rx.topic.subarray(h.session.rx.topicOff, h.session.rx.topicOff + 3)), [0xef, 0xbb, 0xbf]);
});

test('MQTT-3.3.2-14: a Response Topic with a wildcard is refused', (t) => {
  const h = connected();
  const rt = utf8('reply/#');
  t.is(h.session.request(enc('svc'), 0, 3, enc('q'), 0, 1, 0, rt, 0, rt.length, rt, 0, -1), -ReasonCode.TopicNameInvalid);
  h.expectNothing();
});

test('MQTT-3.8.3-4 MQTT-3.8.3-5: No Local on a shared subscription and reserved option bits are refused before sending', (t) => {
  const h = connected();
  const f = enc('$share/g/a');
  t.is(h.session.subscribe(f, 0, f.length, 0x04, 0, null), -ReasonCode.ProtocolError);
  t.is(h.session.subscribe(enc('a'), 0, 1, 0x40, 0, null), -ReasonCode.ProtocolError);
  t.is(h.session.subscribe(enc('a'), 0, 1, 0x30, 0, null), -ReasonCode.ProtocolError);
  h.expectNothing();
});

test('MQTT-4.8.2-1 MQTT-4.8.2-2: shared subscription filters need a share name without wildcards, then a filter', (t) => {
  const h = connected();
  for (const bad of ['$share//a', '$share/g', '$share/g+/a', '$share/g/']) {
    const f = enc(bad);
    t.is(h.session.subscribe(f, 0, f.length, 0, 0, null), -ReasonCode.TopicFilterInvalid, bad);
  }
  h.expectNothing();
});

test('MQTT-4.3.2-5: after PUBACK, a PUBLISH with the same id is a new message, whatever its DUP flag', (t) => {
  const h = connected();
  h.respond(P.publish('t', 'a', { qos: 1, id: 4 }));
  h.respond(P.publish('t', 'b', { qos: 1, id: 4, dup: true }));
  h.expect(P.puback(4), P.puback(4));
  t.deepEqual(h.handler.messages.map((m) => m.payload), ['a', 'b']);
});

test('MQTT-4.3.3-12: after PUBCOMP, a PUBLISH with the same id is a new message', (t) => {
  const h = connected();
  h.respond(P.publish('t', 'a', { qos: 2, id: 6 }), P.pubrel(6), P.publish('t', 'b', { qos: 2, id: 6 }));
  h.expect(P.pubrec(6), P.pubcomp(6), P.pubrec(6));
  t.deepEqual(h.handler.messages.map((m) => m.payload), ['a', 'b']);
});

test('MQTT-4.3.3-7: no message expiry once the PUBLISH was sent; it is resent after reconnect', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 600 });
  const h = connected(o);
  h.session.messageProperties().setNumber(PropertyId.MessageExpiryInterval, 1);
  pub(h, 't', 'x', 1);
  h.expect(P.publish('t', 'x', { qos: 1, id: 1, props: { [PropertyId.MessageExpiryInterval]: 1 } }));
  h.clock.t += 5000;
  h.cut();
  reconnect(h, o, true);
  h.expect(P.publish('t', 'x', { qos: 1, id: 1, dup: true, props: { [PropertyId.MessageExpiryInterval]: 1 } }));
  t.deepEqual(h.handler.done, []);
});

test('MQTT-4.7.3-3: a topic name over 65,535 bytes is refused', (t) => {
  const h = connected();
  const big = new Uint8Array(65536).fill(0x61);
  t.is(h.session.publish(big, 0, big.length, enc('x'), 0, 1, 0, false), -ReasonCode.TopicNameInvalid);
});

test('MQTT-3.3.4-7 on resume: resends after reconnect also stay within the new Receive Maximum', (t) => {
  const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
  const h = connected(o);
  pub(h, 't', '1', 1);
  pub(h, 't', '2', 1);
  pub(h, 't', '3', 2);
  h.takeSent();
  h.cut();
  reconnect(h, o, true, { props: { [PropertyId.ReceiveMaximum]: 1 } });
  h.expect(P.publish('t', '1', { qos: 1, id: 1, dup: true }));
  h.expectNothing();
  h.respond(P.puback(1));
  h.expect(P.publish('t', '2', { qos: 1, id: 2, dup: true }));
  h.respond(P.puback(2));
  h.expect(P.publish('t', '3', { qos: 2, id: 3, dup: true }));
  h.respond(P.pubrec(3));
  h.expect(P.pubrel(3));
  h.respond(P.pubcomp(3));
  t.is(h.handler.done.length, 3);
});
