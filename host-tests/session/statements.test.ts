// Client obligations of MQTT 3.1.1 and 5.0 not already shown by the flow tests, one test each,
// named for the statement they prove (the conformance table points here).
import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { utf8 } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect, reconnect } from './common.js';
import * as P from './packets.js';

function pub(h: Harness, topic: string, payload: string, qos: number): number {
  const t = enc(topic);
  const p = enc(payload);
  return h.session.publish(t, 0, t.length, p, 0, p.length, qos, false);
}

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
