import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { enc, testOptions } from './harness.js';
import { connected } from './common.js';
import * as P from './packets.js';

test('CONNECT then CONNACK: connected, events reported', (t) => {
  const h = connected();
  t.deepEqual(h.handler.log, ['connect 0 0']);
  h.expectNothing();
});

test('QoS 0, 1, 2 publish flows byte-exact, with automatic topic aliases', (t) => {
  const h = connected(testOptions(), { props: { [PropertyId.TopicAliasMaximum]: 4 } });
  const topic = enc('a/b');
  const pay = enc('hi');
  t.true(h.session.publish(topic, 0, 3, pay, 0, 2, 0, false) > 0);
  h.expect(P.publish('a/b', 'hi', { props: { [PropertyId.TopicAlias]: 1 } }));
  const h1 = h.session.publish(topic, 0, 3, pay, 0, 2, 1, false);
  h.expect(P.publish('', 'hi', { qos: 1, id: 1, props: { [PropertyId.TopicAlias]: 1 } }));
  h.respond(P.puback(1));
  t.deepEqual(h.handler.done, [[h1, 0]]);
  const h2 = h.session.publish(topic, 0, 3, pay, 0, 2, 2, true);
  h.expect(P.publish('', 'hi', { qos: 2, id: 2, retain: true, props: { [PropertyId.TopicAlias]: 1 } }));
  h.respond(P.pubrec(2));
  h.expect(P.pubrel(2));
  h.respond(P.pubcomp(2));
  t.deepEqual(h.handler.done, [[h1, 0], [h2, 0]]);
});

test('inbound QoS 2 delivered once even when PUBLISH is resent', (t) => {
  const h = connected();
  h.respond(P.publish('x', 'one', { qos: 2, id: 7 }));
  h.expect(P.pubrec(7));
  h.respond(P.publish('x', 'one', { qos: 2, id: 7, dup: true }));
  h.expect(P.pubrec(7));
  h.respond(P.pubrel(7));
  h.expect(P.pubcomp(7));
  t.is(h.handler.messages.length, 1);
  h.respond(P.pubrel(7));
  h.expect(P.pubcomp(7, ReasonCode.PacketIdentifierNotFound));
});
