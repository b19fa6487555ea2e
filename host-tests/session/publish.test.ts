import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { OverflowPolicy, utf8 } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect, pub } from './common.js';
import * as P from './packets.js';

const PUBACK_CODES = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
for (const rc of PUBACK_CODES) {
  test(`PUBACK reason code 0x${rc.toString(16)} reaches onPublishDone and frees the packet id`, (t) => {
    const h = connected();
    const handle = pub(h, 't', 'x', 1);
    h.expect(P.publish('t', 'x', { qos: 1, id: 1 }));
    h.respond(P.puback(1, rc, rc >= 0x80 ? { props: { [PropertyId.ReasonString]: 'why' } } : {}));
    t.deepEqual(h.handler.done, [[handle, rc]]);
    t.is(h.session.store.inflight, 0);
  });
  test(`PUBREC reason code 0x${rc.toString(16)}: ${rc >= 0x80 ? 'the exchange ends' : 'PUBREL follows'}`, (t) => {
    const h = connected();
    const handle = pub(h, 't', 'x', 2);
    h.expect(P.publish('t', 'x', { qos: 2, id: 1 }));
    h.respond(P.pubrec(1, rc));
    if (rc >= 0x80) {
      h.expectNothing();
      t.deepEqual(h.handler.done, [[handle, rc]]);
    } else {
      h.expect(P.pubrel(1));
      h.respond(P.pubcomp(1));
      t.deepEqual(h.handler.done, [[handle, 0]]);
    }
  });
}

test('PUBCOMP 0x92 (packet identifier not found) after a successful PUBREC: delivered, reported as 0', (t) => {
  const h = connected();
  const handle = pub(h, 't', 'x', 2);
  h.expect(P.publish('t', 'x', { qos: 2, id: 1 }));
  h.respond(P.pubrec(1));
  h.expect(P.pubrel(1));
  h.respond(P.pubcomp(1, 0x92));
  t.deepEqual(h.handler.done, [[handle, 0]]);
  t.is(h.session.store.inflight, 0);
});

test('a PUBREL resent after a cut is answered PUBCOMP 0x92 (the server completed before): delivered', (t) => {
  const h = connected(testOptions({ cleanStart: false, sessionExpiry: 60 }));
  const handle = pub(h, 't', 'x', 2);
  h.expect(P.publish('t', 'x', { qos: 2, id: 1 }));
  h.respond(P.pubrec(1));
  h.expect(P.pubrel(1));
  // The server sent PUBCOMP and dropped the id; the cut lost the PUBCOMP.
  h.cut();
  h.waitReconnect();
  h.expect(expectedConnect(h.session.opts));
  h.respond(P.connack(0, true));
  h.expect(P.pubrel(1));
  h.respond(P.pubcomp(1, 0x92));
  t.deepEqual(h.handler.done, [[handle, 0]]);
});

test('PUBREC for an unknown packet id: PUBREL 0x92', (t) => {
  const h = connected();
  h.respond(P.pubrec(9));
  h.expect(P.pubrel(9, 0x92));
  t.false(h.closed);
});

test('packet ids are allocated without collision and wrap past 65535', (t) => {
  const h = connected();
  h.session.nextPacketId = 65535;
  pub(h, 't', 'a', 1);
  pub(h, 't', 'b', 1);
  h.expect(P.publish('t', 'a', { qos: 1, id: 65535 }), P.publish('t', 'b', { qos: 1, id: 1 }));
  // 65535 still in flight: the next allocation skips it.
  h.respond(P.puback(1));
  h.session.nextPacketId = 65535;
  pub(h, 't', 'c', 1);
  h.expect(P.publish('t', 'c', { qos: 1, id: 1 }));
  t.is(h.session.store.inflight, 2);
});

test('flow control: never more unacknowledged QoS 1/2 than the server Receive Maximum (MQTT-4.9.0-2)', (t) => {
  const h = connected(testOptions(), { props: { [PropertyId.ReceiveMaximum]: 2 } });
  pub(h, 't', '1', 1);
  pub(h, 't', '2', 2);
  pub(h, 't', '3', 1);
  pub(h, 't', '4', 0);
  h.expect(P.publish('t', '1', { qos: 1, id: 1 }), P.publish('t', '2', { qos: 2, id: 2 }));
  h.expectNothing();
  h.respond(P.puback(1));
  h.expect(P.publish('t', '3', { qos: 1, id: 3 }), P.publish('t', '4', {}));
  h.respond(P.pubrec(2));
  h.expect(P.pubrel(2));
  t.is(h.session.store.inflight, 2);
});

test('inflight table capacity bounds sending; the rest waits in the queue', (t) => {
  const h = connected(testOptions({ inflight: 1 }));
  pub(h, 't', '1', 1);
  pub(h, 't', '2', 1);
  h.expect(P.publish('t', '1', { qos: 1, id: 1 }));
  h.expectNothing();
  t.is(h.session.store.queued, 1);
  h.respond(P.puback(1));
  h.expect(P.publish('t', '2', { qos: 1, id: 2 }));
  t.is(h.session.store.queued, 0);
});

test('outbound topic aliases: assigned within the server maximum, reused with an empty topic, reset per connection', (t) => {
  const o = testOptions();
  const h = connected(o, { props: { [PropertyId.TopicAliasMaximum]: 1 } });
  pub(h, 'a', '1', 0);
  pub(h, 'b', '2', 0);
  pub(h, 'a', '3', 0);
  h.expect(P.publish('a', '1', { props: { [PropertyId.TopicAlias]: 1 } }), P.publish('b', '2'), P.publish('', '3', { props: { [PropertyId.TopicAlias]: 1 } }));
  h.cut();
  h.waitReconnect();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false, { props: { [PropertyId.TopicAliasMaximum]: 1 } }));
  pub(h, 'a', '4', 0);
  h.expect(P.publish('a', '4', { props: { [PropertyId.TopicAlias]: 1 } }));
  t.is(h.session.outAliases.count, 1);
});

test('inbound topic aliases are resolved; unknown alias or alias above maximum is an error', (t) => {
  const h = connected();
  h.respond(P.publish('long/topic', 'a', { props: { [PropertyId.TopicAlias]: 3 } }), P.publish('', 'b', { props: { [PropertyId.TopicAlias]: 3 } }));
  t.deepEqual(h.handler.messages.map((m) => m.topic), ['long/topic', 'long/topic']);
  h.respond(P.publish('', 'c', { props: { [PropertyId.TopicAlias]: 4 } }));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
  const h2 = connected();
  h2.respond(P.publish('x', 'c', { props: { [PropertyId.TopicAlias]: 9 } }));
  h2.expect(P.disconnect(ReasonCode.TopicAliasInvalid));
});

test('message expiry: an expired queued message is not sent; the interval left is sent otherwise', (t) => {
  const o = testOptions();
  const h = new Harness(o);
  const s = h.session;
  s.messageProperties().setNumber(PropertyId.MessageExpiryInterval, 5);
  const h1 = pub(h, 't', 'old', 1);
  h.clock.t = 3000;
  s.tick(3000);
  s.messageProperties().setNumber(PropertyId.MessageExpiryInterval, 10);
  pub(h, 't', 'new', 1);
  h.clock.t = 6000;
  h.start();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false));
  h.expect(P.publish('t', 'new', { qos: 1, id: 1, props: { [PropertyId.MessageExpiryInterval]: 7 } }));
  t.deepEqual(h.handler.done, [[h1, 0x80]]);
});

test('maximum packet size both ways: the server limit refuses a publish; a packet over ours ends in DISCONNECT 0x95', (t) => {
  const h = connected(testOptions(), { props: { [PropertyId.MaximumPacketSize]: 20 } });
  t.is(pub(h, 't', 'x'.repeat(30), 0), -ReasonCode.PacketTooLarge);
  t.true(pub(h, 't', 'x', 0) > 0);
  h.expect(P.publish('t', 'x'));
  h.respond(P.publish('t', 'y'.repeat(3000)));
  h.expect(P.disconnect(ReasonCode.PacketTooLarge));
  t.true(h.closed);
});

test('user properties, payload format and content type go out and come in', (t) => {
  const h = connected();
  const s = h.session;
  const props = s.messageProperties();
  const k = utf8('k');
  const v = utf8('v');
  props.addUserProperty(k, 0, 1, v, 0, 1);
  props.setNumber(PropertyId.PayloadFormatIndicator, 1);
  const ct = utf8('application/json');
  props.setBytes(PropertyId.ContentType, ct, 0, ct.length);
  pub(h, 't', '{}', 0);
  h.expect(P.publish('t', '{}', { props: { [PropertyId.PayloadFormatIndicator]: 1, [PropertyId.ContentType]: 'application/json' }, user: [['k', 'v']] }));
  // Cleared after use.
  pub(h, 't', '2', 0);
  h.expect(P.publish('t', '2'));
  h.respond(P.publish('t', 'in', { props: { [PropertyId.ContentType]: 'text/plain' }, user: [['a', 'b']] }));
  const m = h.handler.messages[0].packet;
  t.is(m.props.userCount, 1);
  t.true(m.props.has(PropertyId.ContentType));
});

test('request/response helper: response topic and correlation data out; respond() answers a request', (t) => {
  const h = connected();
  const s = h.session;
  const rt = utf8('reply/me');
  const cd = utf8('id-1');
  s.request(enc('svc'), 0, 3, enc('q'), 0, 1, 1, rt, 0, rt.length, cd, 0, cd.length);
  h.expect(P.publish('svc', 'q', { qos: 1, id: 1, props: { [PropertyId.ResponseTopic]: 'reply/me', [PropertyId.CorrelationData]: 'id-1' } }));
  h.respond(P.publish('svc', 'ask', { props: { [PropertyId.ResponseTopic]: 'back', [PropertyId.CorrelationData]: 'c9' } }));
  t.true(s.respond(s.rx, enc('answer'), 0, 6, 0) > 0);
  h.expect(P.publish('back', 'answer', { props: { [PropertyId.CorrelationData]: 'c9' } }));
});

test('offline queue: bounded by count; RejectNewest refuses, queued messages go out in order on connect', (t) => {
  const o = testOptions({ queueCount: 2 });
  const h = new Harness(o);
  t.true(pub(h, 't', '1', 0) > 0);
  t.true(pub(h, 't', '2', 1) > 0);
  t.is(pub(h, 't', '3', 1), -ReasonCode.QuotaExceeded);
  h.start();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false));
  h.expect(P.publish('t', '1'), P.publish('t', '2', { qos: 1, id: 1 }));
});

test('offline queue: bounded by bytes; DropOldestQos0 drops the oldest QoS 0 to make room', (t) => {
  const o = testOptions({ queueCount: 10, storeBytes: 40, overflow: OverflowPolicy.DropOldestQos0 });
  const h = new Harness(o);
  const a = pub(h, 't', 'x'.repeat(10), 0); // 15 bytes stored
  const b = pub(h, 't', 'y'.repeat(10), 1); // 17 bytes
  t.true(a > 0 && b > 0);
  const c = pub(h, 't', 'z'.repeat(10), 1); // does not fit: drops a
  t.true(c > 0);
  t.deepEqual(h.handler.done, [[a, ReasonCode.QuotaExceeded]]);
  // Nothing QoS 0 left to drop: refused.
  t.is(pub(h, 't', 'w'.repeat(10), 1), -ReasonCode.QuotaExceeded);
  h.start();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false));
  h.expect(P.publish('t', 'y'.repeat(10), { qos: 1, id: 1 }), P.publish('t', 'z'.repeat(10), { qos: 1, id: 2 }));
});

test('invalid topic names and QoS are refused at publish', (t) => {
  const h = connected();
  t.is(pub(h, 'a/+', 'x', 0), -ReasonCode.TopicNameInvalid);
  t.is(pub(h, '', 'x', 0), -ReasonCode.TopicNameInvalid);
  t.is(pub(h, 'a', 'x', 3), -ReasonCode.QosNotSupported);
});
