// The compact records: Properties stored by kind (string/binary properties that no packet
// carries together share an entry), Packet numbers behind accessors, will properties only in
// records built for CONNECT. Each test checks a behaviour the layout could break.
import test from 'ava';
import { decodePacket, encodePacket, Packet, PacketType, PropertyId, ProtocolVersion, Reader, ReasonCode } from '../../src/core/codec/index.js';
import { Properties } from '../../src/core/codec/properties.js';
import { generatePeer, parsePeer } from './helpers/harness.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array, off: number, len: number): string => new TextDecoder().decode(b.subarray(off, off + len));

test('a CONNACK with all six of its string/binary properties and ten number properties round-trips, every value intact', (t) => {
  const p = new Packet(1, 2, 1, false);
  p.reset(PacketType.Connack, ProtocolVersion.V5);
  p.sessionPresent = true;
  const strings: [number, string][] = [
    [PropertyId.AssignedClientIdentifier, 'assigned'], [PropertyId.AuthenticationMethod, 'SCRAM'],
    [PropertyId.AuthenticationData, 'data'], [PropertyId.ResponseInformation, 'info'],
    [PropertyId.ServerReference, 'other:1883'], [PropertyId.ReasonString, 'why'],
  ];
  for (const [id, s] of strings) { const b = utf8(s); p.props.setBytes(id, b, 0, b.length); }
  const numbers: [number, number][] = [
    [PropertyId.SessionExpiryInterval, 0xffffffff], [PropertyId.ServerKeepAlive, 30], [PropertyId.ReceiveMaximum, 10],
    [PropertyId.TopicAliasMaximum, 5], [PropertyId.MaximumQos, 1], [PropertyId.RetainAvailable, 0],
    [PropertyId.MaximumPacketSize, 70000], [PropertyId.WildcardSubscriptionAvailable, 1],
    [PropertyId.SubscriptionIdentifierAvailable, 0], [PropertyId.SharedSubscriptionAvailable, 1],
  ];
  for (const [id, v] of numbers) p.props.setNumber(id, v);
  p.props.addUserProperty(utf8('k'), 0, 1, utf8('v'), 0, 1);
  const out = new Uint8Array(512);
  const n = encodePacket(p, out, 0);
  t.true(n > 0, `encode returned ${n}`);
  const peer = parsePeer(out.subarray(0, n), 5);
  t.is(peer.error, undefined);
  t.is(peer.packets[0].properties.assignedClientIdentifier, 'assigned');
  t.is(peer.packets[0].properties.serverReference, 'other:1883');
  const q = new Packet(1, 2, 1, false);
  t.is(decodePacket(new Reader(), out, 0, n, ProtocolVersion.V5, q), 0);
  t.true(q.sessionPresent);
  for (const [id, s] of strings) {
    t.true(q.props.has(id));
    t.is(text(q.props.bufferOf(id), q.props.offsetOf(id), q.props.lengthOf(id)), s);
  }
  for (const [id, v] of numbers) t.is(q.props.get(id), v);
  t.is(q.props.userCount, 1);
  t.is(text(q.props.userKeyBuffer(0), q.props.userKeyOffset(0), q.props.userKeyLength(0)), 'k');
  t.is(text(q.props.userValueBuffer(0), q.props.userValueOffset(0), q.props.userValueLength(0)), 'v');
});

test('PUBLISH message properties and several subscription identifiers round-trip; copyFrom copies them', (t) => {
  const p = new Packet(1, 4, 3, false);
  p.reset(PacketType.Publish, ProtocolVersion.V5);
  p.qos = 1;
  p.packetId = 7;
  const topic = utf8('a/b');
  p.setTopic(topic, 0, topic.length);
  p.setPayload(utf8('x'), 0, 1);
  const ct = utf8('text/plain');
  const rt = utf8('reply/here');
  const cd = utf8('corr');
  p.props.setBytes(PropertyId.ContentType, ct, 0, ct.length);
  p.props.setBytes(PropertyId.ResponseTopic, rt, 0, rt.length);
  p.props.setBytes(PropertyId.CorrelationData, cd, 0, cd.length);
  p.props.setNumber(PropertyId.MessageExpiryInterval, 60);
  p.props.addSubscriptionId(1);
  p.props.addSubscriptionId(268435455);
  const out = new Uint8Array(256);
  const n = encodePacket(p, out, 0);
  t.true(n > 0);
  const q = new Packet(1, 4, 3, false);
  t.is(decodePacket(new Reader(), out, 0, n, ProtocolVersion.V5, q), 0);
  const c = new Properties(4, 3);
  c.copyFrom(q.props);
  for (const r of [q.props, c]) {
    t.is(text(r.bufferOf(PropertyId.ContentType), r.offsetOf(PropertyId.ContentType), r.lengthOf(PropertyId.ContentType)), 'text/plain');
    t.is(text(r.bufferOf(PropertyId.ResponseTopic), r.offsetOf(PropertyId.ResponseTopic), r.lengthOf(PropertyId.ResponseTopic)), 'reply/here');
    t.is(text(r.bufferOf(PropertyId.CorrelationData), r.offsetOf(PropertyId.CorrelationData), r.lengthOf(PropertyId.CorrelationData)), 'corr');
    t.is(r.get(PropertyId.MessageExpiryInterval), 60);
    t.is(r.subIdCount, 2);
    t.is(r.subscriptionId(0), 1);
    t.is(r.subscriptionId(1), 268435455);
  }
});

test('a string property that shares an entry with one the packet may not carry makes the encode fail, not a wrong packet', (t) => {
  const p = new Packet(1, 0, 0, false);
  p.reset(PacketType.Publish, ProtocolVersion.V5);
  p.setTopic(utf8('t'), 0, 1);
  const ct = utf8('text/plain');
  p.props.setBytes(PropertyId.ContentType, ct, 0, ct.length);
  p.props.setBytes(PropertyId.AssignedClientIdentifier, utf8('id'), 0, 2);
  t.is(encodePacket(p, new Uint8Array(64), 0), -ReasonCode.ProtocolError);
});

test('a record built without will properties refuses an MQTT 5 CONNECT with a will, and encodes a will with no properties', (t) => {
  const bytes = generatePeer({ cmd: 'connect', protocolVersion: 5, clientId: 'c', keepalive: 10, will: { topic: 'w', payload: Buffer.from('x'), qos: 1, retain: false, properties: { willDelayInterval: 5 } } }, 5);
  const withWill = new Packet(1, 1, 0);
  t.is(decodePacket(new Reader(), bytes, 0, bytes.length, ProtocolVersion.V5, withWill), 0);
  t.is(withWill.willProps!.get(PropertyId.WillDelayInterval), 5);
  const without = new Packet(1, 1, 0, false);
  t.is(without.willProps, null);
  t.is(decodePacket(new Reader(), bytes, 0, bytes.length, ProtocolVersion.V5, without), -ReasonCode.ImplementationSpecificError);

  without.reset(PacketType.Connect, ProtocolVersion.V5);
  without.clientId = utf8('c');
  without.clientIdLen = 1;
  without.willFlag = true;
  without.willQos = 1;
  without.willTopic = utf8('w');
  without.willTopicLen = 1;
  without.willPayload = utf8('x');
  without.willPayloadLen = 1;
  const out = new Uint8Array(64);
  const n = encodePacket(without, out, 0);
  t.true(n > 0);
  const peer = parsePeer(out.subarray(0, n), 5);
  t.is(peer.error, undefined);
  t.is(peer.packets[0].will.topic, 'w');
});

test('the Packet accessors keep their values and defaults: absent user name and password, clean start, filters', (t) => {
  const p = new Packet(2, 0, 0, false);
  t.is(p.usernameLen, -1);
  t.is(p.passwordLen, -1);
  t.true(p.cleanStart);
  p.keepAlive = 65535;
  p.streamTotal = 1 << 28;
  p.willRetain = true;
  t.is(p.keepAlive, 65535);
  t.is(p.streamTotal, 1 << 28);
  t.true(p.willRetain);
  const f = utf8('x/#y/+');
  t.true(p.addFilter(f, 0, 3, 1));
  t.true(p.addFilter(f, 4, 2, 2));
  t.false(p.addFilter(f, 0, 1, 0));
  t.deepEqual([p.filterOffset(0), p.filterLength(0), p.filterOffset(1), p.filterLength(1)], [0, 3, 4, 2]);
  t.deepEqual(Array.from(p.options), [1, 2]);
});
