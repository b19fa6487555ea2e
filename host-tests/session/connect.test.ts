import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { utf8 } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect } from './common.js';
import * as P from './packets.js';

test('MQTT 3.1.1 CONNECT with will, user name and password; CONNACK accepted', (t) => {
  const o = testOptions({ version: 4, keepAlive: 30, cleanStart: false, username: utf8('u'), password: utf8('p'),
    willTopic: utf8('w/t'), willPayload: utf8('gone'), willQos: 1, willRetain: true });
  const h = new Harness(o).start();
  h.expect(P.connect({ v: 4, clientId: 'c1', clean: false, keepAlive: 30, username: 'u', password: 'p', will: { topic: 'w/t', payload: 'gone', qos: 1, retain: true } }));
  h.respond(P.connack(0, true, { v: 4 }));
  t.deepEqual(h.handler.log, ['connect 0 1']);
});

test('MQTT 5 CONNECT with will properties (delay, expiry, format, content type), session expiry, request flags', (t) => {
  const o = testOptions({ sessionExpiry: 300, willTopic: utf8('w'), willPayload: utf8('x'), willDelay: 10, willMessageExpiry: 60,
    willPayloadFormat: 1, willContentType: utf8('text/plain'), requestResponseInformation: true, requestProblemInformation: false });
  const h = new Harness(o).start();
  h.expect(P.connect({ clientId: 'c1', keepAlive: 60, props: { [0x11]: 300, [0x21]: 8, [0x27]: 2048, [0x22]: 8, [0x19]: 1, [0x17]: 0 },
    will: { topic: 'w', payload: 'x', props: { [0x18]: 10, [0x02]: 60, [0x01]: 1, [0x03]: 'text/plain' } } }));
  h.respond(P.connack(0, false));
  t.is(h.handler.lastConnack!.rc, 0);
});

const V5_CONNACK_REFUSALS = [0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f];
for (const rc of V5_CONNACK_REFUSALS) {
  test(`MQTT 5 CONNACK refusal 0x${rc.toString(16)} is reported and the connection closed`, (t) => {
    const h = new Harness(testOptions()).start();
    h.expect(expectedConnect(h.session.opts));
    const spec = rc === 0x9c || rc === 0x9d ? { props: { [PropertyId.ServerReference]: 'other:1883' } } : {};
    h.respond(P.connack(rc, false, spec));
    t.is(h.handler.lastConnack!.rc, rc);
    t.true(h.closed);
    t.deepEqual(h.handler.closes[0], { rc, server: false });
    if (rc === 0x9c || rc === 0x9d) {
      // The server reference is in the CONNACK record handed to onConnect.
      t.true(h.session.rx.props.has(PropertyId.ServerReference));
    }
  });
}

const V3_CODES: [number, number][] = [[1, 0x84], [2, 0x85], [3, 0x88], [4, 0x86], [5, 0x87]];
for (const [v3, v5] of V3_CODES) {
  test(`MQTT 3.1.1 CONNACK return code ${v3} is reported as 0x${v5.toString(16)} and closed`, (t) => {
    const h = new Harness(testOptions({ version: 4 })).start();
    h.expect(P.connect({ v: 4, clientId: 'c1', keepAlive: 60 }));
    h.respond(new Uint8Array([0x20, 2, 0, v3]));
    t.is(h.handler.lastConnack!.rc, v5);
    t.true(h.closed);
  });
}

test('CONNACK values: server keep alive, receive maximum, maximum packet size, maximum QoS, retain, assigned client id', (t) => {
  const o = testOptions({ clientId: new Uint8Array(0), keepAlive: 60 });
  const h = new Harness(o).start();
  h.expect(P.connect({ clientId: '', keepAlive: 60, props: { [0x21]: 8, [0x27]: 2048, [0x22]: 8 } }));
  h.respond(P.connack(0, false, { props: { [PropertyId.ServerKeepAlive]: 5, [PropertyId.ReceiveMaximum]: 1, [PropertyId.MaximumPacketSize]: 100,
    [PropertyId.MaximumQos]: 1, [PropertyId.RetainAvailable]: 0, [PropertyId.AssignedClientIdentifier]: 'auto-1',
    [PropertyId.WildcardSubscriptionAvailable]: 0, [PropertyId.SharedSubscriptionAvailable]: 0, [PropertyId.SubscriptionIdentifierAvailable]: 0,
    [PropertyId.SessionExpiryInterval]: 10, [PropertyId.ReasonString]: 'welcome', [PropertyId.ResponseInformation]: 'resp/' } }));
  const s = h.session;
  t.is(s.limits.keepAlive, 5);
  t.is(s.limits.receiveMaximum, 1);
  t.is(s.limits.maximumPacketSize, 100);
  t.is(s.limits.maximumQos, 1);
  t.false(s.limits.retainAvailable);
  // MQTT-3.2.2-11..14: the client respects them.
  t.is(s.publish(enc('t'), 0, 1, enc('x'), 0, 1, 2, false), -ReasonCode.QosNotSupported);
  t.is(s.publish(enc('t'), 0, 1, enc('x'), 0, 1, 0, true), -ReasonCode.RetainNotSupported);
  t.is(s.publish(enc('t'), 0, 1, new Uint8Array(200), 0, 200, 0, false), -ReasonCode.PacketTooLarge);
  // Server keep alive 5 s replaces 60 s: PINGREQ after 5 s.
  h.advance(5000);
  h.expect(P.pingreq());
  // The assigned identifier is used on the next connection.
  h.cut();
  h.waitReconnect();
  h.expect(P.connect({ clientId: 'auto-1', keepAlive: 60, props: { [0x21]: 8, [0x27]: 2048, [0x22]: 8 } }));
});

test('publish before CONNACK is sent right behind CONNECT (section 3.1.4 allows it)', (t) => {
  const h = new Harness(testOptions()).start();
  h.expect(expectedConnect(h.session.opts));
  const handle = h.session.publish(enc('t'), 0, 1, enc('x'), 0, 1, 1, false);
  h.expect(P.publish('t', 'x', { qos: 1, id: 1 }));
  h.respond(P.connack(0, false), P.puback(1));
  t.deepEqual(h.handler.done, [[handle, 0]]);
});

test('no CONNACK within the connect timeout: closed, then retried after back-off', (t) => {
  const o = testOptions({ connectTimeout: 1000 });
  const h = new Harness(o).start();
  h.expect(expectedConnect(o));
  h.advance(999);
  t.false(h.closed);
  h.advance(1);
  t.true(h.closed);
  t.is(h.transport.opens, 1);
  // back-off: base 1000, jitter 0.5, random 0.5 -> 750 ms
  h.advance(749);
  t.is(h.transport.opens, 1);
  h.advance(1);
  t.is(h.transport.opens, 2);
  h.expect(expectedConnect(o));
});

test('a second CONNACK is a protocol error: DISCONNECT 0x82 and close', (t) => {
  const h = connected();
  h.respond(P.connack(0, false));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
});

test('enhanced authentication: AUTH exchange driven by the caller-supplied method, then re-authentication', (t) => {
  const calls: string[] = [];
  const method = {
    method: utf8('SCRAM'),
    begin(out: import('../../src/core/codec/index.js').Properties): number {
      const d = utf8('client-first');
      out.setBytes(PropertyId.AuthenticationData, d, 0, d.length);
      calls.push('begin');
      return 0;
    },
    challenge(server: import('../../src/core/codec/index.js').Packet, out: import('../../src/core/codec/index.js').Properties): number {
      const p = server.props;
      calls.push('challenge ' + Buffer.from(p.bufferOf(0x16).subarray(p.offsetOf(0x16), p.offsetOf(0x16) + p.lengthOf(0x16))).toString());
      const d = utf8('client-final');
      out.setBytes(PropertyId.AuthenticationData, d, 0, d.length);
      return 0;
    },
  };
  const o = testOptions();
  const h = new Harness(o, method).start();
  h.expect(P.connect({ clientId: 'c1', keepAlive: 60, props: { [0x21]: 8, [0x27]: 2048, [0x22]: 8, [0x15]: 'SCRAM', [0x16]: 'client-first' } }));
  h.respond(P.auth(0x18, { props: { [0x15]: 'SCRAM', [0x16]: 'server-first' } }));
  h.expect(P.auth(0x18, { props: { [0x15]: 'SCRAM', [0x16]: 'client-final' } }));
  h.respond(P.connack(0, false, { props: { [0x15]: 'SCRAM' } }));
  t.deepEqual(calls, ['begin', 'challenge server-first']);
  t.is(h.handler.lastConnack!.rc, 0);
  t.is(h.session.reauthenticate(), 0);
  h.expect(P.auth(0x19, { props: { [0x15]: 'SCRAM', [0x16]: 'client-first' } }));
  h.respond(P.auth(0x18, { props: { [0x15]: 'SCRAM', [0x16]: 'again' } }));
  h.expect(P.auth(0x18, { props: { [0x15]: 'SCRAM', [0x16]: 'client-final' } }));
  h.respond(P.auth(0));
  t.false(h.closed);
});

test('AUTH when no method is in use: DISCONNECT 0x82', (t) => {
  const h = connected();
  h.respond(P.auth(0x18, { props: { [0x15]: 'X' } }));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
});

test('CONNACK availability flags: wildcard, shared and subscription-identifier subscriptions refused locally when the server lacks them', (t) => {
  const h = new Harness(testOptions()).start();
  h.takeSent();
  h.respond(P.connack(0, false, { props: { [PropertyId.WildcardSubscriptionAvailable]: 0, [PropertyId.SharedSubscriptionAvailable]: 0,
    [PropertyId.SubscriptionIdentifierAvailable]: 0, [PropertyId.SessionExpiryInterval]: 30 } }));
  const s = h.session;
  t.is(s.subscribe(enc('a/+'), 0, 3, 0, 0, null), -ReasonCode.WildcardSubscriptionsNotSupported);
  t.is(s.subscribe(enc('$share/g/a'), 0, 10, 0, 0, null), -ReasonCode.SharedSubscriptionsNotSupported);
  t.is(s.subscribe(enc('a'), 0, 1, 0, 3, null), -ReasonCode.SubscriptionIdentifiersNotSupported);
  t.is(s.limits.sessionExpiry, 30);
  t.is(s.subscribe(enc('a'), 0, 1, 0, 0, null), 1);
  h.expect(P.subscribe(1, [['a', 0]]));
});

test('inboundQos2 0 still advertises a Receive Maximum of 1: 0 would be a Protocol Error (section 3.1.2.11.3)', (t) => {
  const o = testOptions({ inboundQos2: 0 });
  const h = new Harness(o).start();
  o.inboundQos2 = 1;
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false, { v: 5 }));
  t.deepEqual(h.handler.log, ['connect 0 0']);
});
