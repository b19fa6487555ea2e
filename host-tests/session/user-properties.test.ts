// MQTT 5 properties the application adds (SessionOptions.extraProperties): user properties and
// authentication on CONNECT, Response Topic, Correlation Data and user properties on the will,
// user properties on SUBSCRIBE and UNSUBSCRIBE. Checked byte for byte, and by their raw bytes.
import test from 'ava';
import { Packet, PacketType, PropertyId, Properties } from '../../src/core/codec/index.js';
import { ExtraProperties } from '../../src/core/session/options.js';
import { utf8 } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import * as P from './packets.js';

const DEFAULT_PROPS = { [PropertyId.ReceiveMaximum]: 8, [PropertyId.MaximumPacketSize]: 2048, [PropertyId.TopicAliasMaximum]: 8 };

function user(p: Properties, k: string, v: string): void {
  const kb = utf8(k);
  const vb = utf8(v);
  p.addUserProperty(kb, 0, kb.length, vb, 0, vb.length);
}

function bytes(p: Properties, id: number, v: string | Uint8Array): void {
  const b = typeof v === 'string' ? utf8(v) : v;
  p.setBytes(id, b, 0, b.length);
}

/** A user property as it is on the wire: 0x26, key and value with their lengths. */
function wireUser(k: string, v: string): string {
  const s = (x: string): string => Buffer.from([x.length >> 8, x.length & 0xff]).toString('hex') + Buffer.from(x).toString('hex');
  return '26' + s(k) + s(v);
}

test('CONNECT carries the user properties and the Authentication Method and Data; a CONNACK success is accepted', (t) => {
  const x = new ExtraProperties();
  x.connect = new Properties(4, 0);
  user(x.connect, 'site', 'lab');
  user(x.connect, 'site', 'roof');
  bytes(x.connect, PropertyId.AuthenticationMethod, 'token');
  bytes(x.connect, PropertyId.AuthenticationData, new Uint8Array([1, 2, 3]));
  const h = new Harness(testOptions({ extraProperties: x })).start();
  const want = P.connect({ clientId: 'c1', props: { ...DEFAULT_PROPS, [PropertyId.AuthenticationMethod]: 'token', [PropertyId.AuthenticationData]: new Uint8Array([1, 2, 3]) },
    user: [['site', 'lab'], ['site', 'roof']] });
  const sent = h.takeSent();
  t.is(sent, P.hex(want));
  t.true(sent.includes(wireUser('site', 'lab') + wireUser('site', 'roof')));
  t.true(sent.includes('150005' + Buffer.from('token').toString('hex')));
  t.true(sent.includes('160003010203'));
  h.respond(P.connack(0, false));
  t.is(h.handler.lastConnack!.rc, 0);
  t.false(h.closed);
  // Sent again, unchanged, on every CONNECT.
  h.cut();
  h.waitReconnect();
  t.is(h.takeSent(), P.hex(want));
});

test('the will carries Response Topic, Correlation Data and user properties beside its own', (t) => {
  const x = new ExtraProperties();
  x.will = new Properties(4, 0);
  bytes(x.will, PropertyId.ResponseTopic, 'w/reply');
  bytes(x.will, PropertyId.CorrelationData, new Uint8Array([9, 8]));
  user(x.will, 'why', 'gone');
  const o = testOptions({ willTopic: utf8('w'), willPayload: utf8('x'), willDelay: 5, extraProperties: x });
  const h = new Harness(o).start();
  const p = new Packet(4, 4, 1, true);
  p.reset(PacketType.Connect, 5);
  p.cleanStart = true;
  p.keepAlive = 60;
  const id = utf8('c1');
  p.clientId = id; p.clientIdOff = 0; p.clientIdLen = id.length;
  p.props.setNumber(PropertyId.ReceiveMaximum, 8);
  p.props.setNumber(PropertyId.MaximumPacketSize, 2048);
  p.props.setNumber(PropertyId.TopicAliasMaximum, 8);
  p.willFlag = true;
  const wt = utf8('w');
  const wp = utf8('x');
  p.willTopic = wt; p.willTopicOff = 0; p.willTopicLen = 1;
  p.willPayload = wp; p.willPayloadOff = 0; p.willPayloadLen = 1;
  p.willProps!.setNumber(PropertyId.WillDelayInterval, 5);
  bytes(p.willProps!, PropertyId.ResponseTopic, 'w/reply');
  bytes(p.willProps!, PropertyId.CorrelationData, new Uint8Array([9, 8]));
  user(p.willProps!, 'why', 'gone');
  const sent = h.takeSent();
  t.is(sent, P.hex(P.encode(p)));
  t.true(sent.includes('080007' + Buffer.from('w/reply').toString('hex')));
  t.true(sent.includes('09000209' + '08'));
  t.true(sent.includes(wireUser('why', 'gone')));
  // Without a will topic the will record is not used.
  const h2 = new Harness(testOptions({ extraProperties: x })).start();
  t.is(h2.takeSent(), P.hex(P.connect({ clientId: 'c1', props: DEFAULT_PROPS })));
});

test('SUBSCRIBE and UNSUBSCRIBE carry the request properties set before them, once', (t) => {
  const x = new ExtraProperties();
  x.request = new Properties(4, 0);
  const h = new Harness(testOptions({ extraProperties: x })).start();
  h.takeSent();
  h.respond(P.connack(0, false));
  const s = h.session;
  const rp = s.requestProperties()!;
  t.is(rp, x.request);
  user(rp, 'k', 'v');
  t.is(s.subscribeAdd(enc('a'), 0, 1, 1, 7, null), 0);
  t.is(s.subscribeSend(), 1);
  const sent = h.takeSent();
  t.is(sent, P.hex(P.subscribe(1, [['a', 1]], { props: { [PropertyId.SubscriptionIdentifier]: 7 }, user: [['k', 'v']] })));
  t.true(sent.includes(wireUser('k', 'v')));
  t.true(rp.isEmpty(), 'cleared once sent');
  // The next request goes without them.
  s.subscribe(enc('b'), 0, 1, 0, 0, null);
  h.expect(P.subscribe(2, [['b', 0]]));
  user(rp, 'who', 'me');
  t.is(s.unsubscribe(enc('a'), 0, 1), 3);
  h.expect(P.unsubscribe(3, ['a'], { user: [['who', 'me']] }));
  t.true(rp.isEmpty());
});

test('a session without extra properties sends what it sent before; MQTT 3.1.1 has no request properties', (t) => {
  const h = new Harness(testOptions()).start();
  t.is(h.takeSent(), P.hex(P.connect({ clientId: 'c1', props: DEFAULT_PROPS })));
  t.is(h.session.requestProperties(), null);
  const x = new ExtraProperties();
  x.request = new Properties(4, 0);
  x.connect = new Properties(4, 0);
  user(x.connect, 'k', 'v');
  const h4 = new Harness(testOptions({ version: 4, extraProperties: x })).start();
  t.is(h4.takeSent(), P.hex(P.connect({ v: 4, clientId: 'c1' })));
  t.is(h4.session.requestProperties(), null);
});

test('CONNECT is not sent when its user properties do not fit the session\'s record', (t) => {
  const x = new ExtraProperties();
  x.connect = new Properties(4, 0);
  for (let i = 0; i < 3; i++) user(x.connect, 'k', String(i));
  const h = new Harness(testOptions({ userProperties: 2, extraProperties: x })).start();
  t.is(h.takeSent(), '');
  t.true(h.closed);
});
