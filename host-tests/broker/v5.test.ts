// MQTT 5 features and limits, checked at the byte level with a raw client on the project's codec.
// What depends on time (expiry, will delay, keep alive, timeouts) and every "nothing more
// arrives" runs on simulated time through in-process clients, where the check is exact.
import test from 'ava';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import type { Packet } from '../../src/core/codec/packet.js';
import { broker, client, collect, publish, RawClient, setWill, subscribe } from './helpers.js';
import { connected, MemoryClient, virtualBroker } from './memory-client.js';

/** CONNECT changes for a persistent session of `expiry` seconds, resumed if there is one. */
const persistent = (expiry: number) => (p: Packet): void => {
  p.cleanStart = false;
  p.props.setNumber(P.SessionExpiryInterval, expiry);
};

/** The PUBLISH packets a memory client has been sent and not taken. */
const published = (c: MemoryClient) => c.packets.filter((p) => p.type === T.Publish);

test('zero-length client id: CONNACK carries the assigned client identifier', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect('');
  t.is(ack.reasonCode, 0);
  t.regex(String(ack.props[P.AssignedClientIdentifier]), /^xsmqtt-/);
  t.true(b.broker.sessions.has(String(ack.props[P.AssignedClientIdentifier])));
});

test('topic aliases from the client are resolved, and an out-of-range alias is DISCONNECT 0x94', async (t) => {
  const b = await broker(t, { topicAliasMaximum: 4 });
  const sub = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(sub);
  await sub.subscribeAsync('al/#');
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect('aliaser');
  t.is(ack.props[P.TopicAliasMaximum], 4);
  publish(raw, 'al/one', 'first', 0, 0, (p) => p.props.setNumber(P.TopicAlias, 2));
  publish(raw, '', 'second', 0, 0, (p) => p.props.setNumber(P.TopicAlias, 2));
  const msgs = await got.take(2);
  t.deepEqual(msgs.map((m) => [m.topic, m.payload]), [['al/one', 'first'], ['al/one', 'second']]);
  publish(raw, 'al/x', 'bad', 0, 0, (p) => p.props.setNumber(P.TopicAlias, 5));
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x94);
  await raw.waitClosed();
});

test('topic aliases towards the client: the topic is sent once, then the alias alone', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('aliased', (p) => p.props.setNumber(P.TopicAliasMaximum, 3));
  subscribe(raw, 'ta/#', 0);
  await raw.expect(T.Suback);
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('ta/x', 'a');
  await pub.publishAsync('ta/x', 'b');
  const first = await raw.expect(T.Publish);
  const second = await raw.expect(T.Publish);
  t.is(first.topic, 'ta/x');
  t.is(first.props[P.TopicAlias], 1);
  t.is(second.topic, '');
  t.is(second.props[P.TopicAlias], 1);
  t.is(second.payload, 'b');
});

test('the client receive maximum bounds QoS 1 messages in flight; acks release the rest', (t) => {
  const { broker: b } = virtualBroker(t);
  const raw = connected(b, 'slow', (p) => p.props.setNumber(P.ReceiveMaximum, 2));
  subscribe(raw, 'rm', 1);
  raw.take(T.Suback);
  const pub = connected(b, 'pub');
  for (let i = 0; i < 5; i++) {
    publish(pub, 'rm', String(i), 1, i + 1);
    pub.take(T.Puback);
  }
  const a = raw.take(T.Publish);
  const c = raw.take(T.Publish);
  t.is(raw.packets.length, 0, 'no third message before an ack');
  raw.send(T.Puback, (p) => { p.packetId = a.packetId; });
  const d = raw.take(T.Publish);
  t.deepEqual([a.payload, c.payload, d.payload], ['0', '1', '2']);
});

test('more unreleased QoS 2 messages than our receive maximum is DISCONNECT 0x93', async (t) => {
  const b = await broker(t, { receiveMaximum: 2 });
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect('greedy');
  t.is(ack.props[P.ReceiveMaximum], 2);
  for (let i = 1; i <= 3; i++) publish(raw, 'q2', 'x', 2, i);
  await raw.expect(T.Pubrec);
  await raw.expect(T.Pubrec);
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x93);
});

test('an unacknowledged QoS 1 PUBLISH and a QoS 2 PUBREL are sent again on reconnect, with DUP', async (t) => {
  const b = await broker(t);
  const first = await RawClient.open(t, b.port);
  const session = (p: import('../../src/core/codec/packet.js').Packet) => { p.cleanStart = false; p.props.setNumber(P.SessionExpiryInterval, 60); };
  await first.connect('redo', (p) => { p.props.setNumber(P.SessionExpiryInterval, 60); });
  subscribe(first, 'rd/#', 2);
  await first.expect(T.Suback);
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('rd/1', 'one', { qos: 1 });
  await pub.publishAsync('rd/2', 'two', { qos: 2 });
  const p1 = await first.expect(T.Publish);
  const p2 = await first.expect(T.Publish);
  t.false(p1.dup);
  first.send(T.Pubrec, (p) => { p.packetId = p2.packetId; });
  await first.expect(T.Pubrel);
  first.sock.destroy();
  await first.waitClosed();
  const second = await RawClient.open(t, b.port);
  const ack = await second.connect('redo', session);
  t.true(ack.sessionPresent);
  const again = await second.expect(T.Publish);
  t.true(again.dup);
  t.is(again.packetId, p1.packetId);
  t.is(again.payload, 'one');
  const rel = await second.expect(T.Pubrel);
  t.is(rel.packetId, p2.packetId);
});

test('message expiry: an expired queued message is not sent; the interval left is sent', (t) => {
  const { broker: b, advance } = virtualBroker(t);
  const s = connected(b, 'exp', persistent(60));
  subscribe(s, 'ex/#', 1);
  s.take(T.Suback);
  s.send(T.Disconnect);
  const pub = connected(b, 'pub');
  publish(pub, 'ex/short', 'short', 1, 1, (p) => p.props.setNumber(P.MessageExpiryInterval, 1));
  publish(pub, 'ex/long', 'long', 1, 2, (p) => p.props.setNumber(P.MessageExpiryInterval, 30));
  t.is(pub.take(T.Puback).packetId, 1);
  t.is(pub.take(T.Puback).packetId, 2);
  advance(1100);
  const raw = connected(b, 'exp', persistent(60));
  const m = raw.take(T.Publish);
  t.is(m.topic, 'ex/long');
  t.true(Number(m.props[P.MessageExpiryInterval]) <= 29 && Number(m.props[P.MessageExpiryInterval]) >= 28);
  t.is(raw.packets.length, 0);
});

test('subscription identifiers: one copy carries every matching identifier', (t) => {
  const { broker: b } = virtualBroker(t);
  const raw = connected(b, 'ids');
  subscribe(raw, 'si/+', 1, 1, 7);
  raw.take(T.Suback);
  subscribe(raw, 'si/#', 0, 2, 9);
  raw.take(T.Suback);
  const pub = connected(b, 'pub');
  publish(pub, 'si/a', 'x', 1, 1);
  const m = raw.take(T.Publish);
  t.deepEqual(m.subIds.sort(), [7, 9]);
  t.is(m.qos, 1, 'the highest QoS of the matching subscriptions');
  t.is(raw.packets.length, 0);
});

test('no local: a client does not receive its own messages on a no-local subscription', (t) => {
  const { broker: b } = virtualBroker(t);
  const c = connected(b, 'nl');
  subscribe(c, 'nl/t', 0x04); // QoS 0, no local
  c.take(T.Suback);
  publish(c, 'nl/t', 'mine');
  const other = connected(b, 'other');
  publish(other, 'nl/t', 'theirs');
  t.is(c.take(T.Publish).payload, 'theirs');
  t.is(c.packets.length, 0);
});

test('shared subscriptions deliver round-robin among the group, and ordinary subscribers get all', async (t) => {
  const b = await broker(t);
  const a = await client(t, b.port, { protocolVersion: 5, clientId: 'sa' });
  const c = await client(t, b.port, { protocolVersion: 5, clientId: 'sb' });
  const all = await client(t, b.port, { protocolVersion: 5, clientId: 'all' });
  const ga = collect(a);
  const gc = collect(c);
  const gall = collect(all);
  await a.subscribeAsync('$share/g/sh/#', { qos: 1 });
  await c.subscribeAsync('$share/g/sh/#', { qos: 1 });
  await all.subscribeAsync('sh/#', { qos: 1 });
  const pub = await client(t, b.port, { protocolVersion: 5 });
  for (let i = 0; i < 6; i++) await pub.publishAsync('sh/x', String(i), { qos: 1 });
  await gall.take(6);
  await ga.take(3);
  await gc.take(3);
  t.is(ga.list.length + gc.list.length, 6);
});

test('message properties pass through: user properties, payload format, content type, response topic, correlation data', async (t) => {
  const b = await broker(t);
  const sub = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(sub);
  await sub.subscribeAsync('pp');
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('pp', 'body', {
    qos: 1,
    properties: {
      payloadFormatIndicator: true, contentType: 'text/plain', responseTopic: 'reply/here', correlationData: Buffer.from('corr-1'),
      userProperties: { a: '1', b: '2' },
    },
  });
  const [m] = await got.take(1);
  const p = m.packet.properties!;
  t.is(p.payloadFormatIndicator, true);
  t.is(p.contentType, 'text/plain');
  t.is(p.responseTopic, 'reply/here');
  t.is(Buffer.from(p.correlationData!).toString(), 'corr-1');
  t.deepEqual(p.userProperties, { a: '1', b: '2' });
});

test('retain handling 0/1/2 and retain as published', (t) => {
  const { broker: b } = virtualBroker(t);
  const pub = connected(b, 'pub');
  publish(pub, 'rh/x', 'kept', 1, 1, (p) => { p.retain = true; });
  pub.take(T.Puback);
  const raw = connected(b, 'rh');
  subscribe(raw, 'rh/#', 0x10 | 0x08, 1); // retain handling 1, retain as published
  raw.take(T.Suback);
  t.true(raw.take(T.Publish).retain);
  subscribe(raw, 'rh/#', 0x10, 2); // again: not new, nothing sent
  raw.take(T.Suback);
  subscribe(raw, 'rh/+', 0x20, 3); // retain handling 2: never
  raw.take(T.Suback);
  t.is(raw.packets.length, 0);
  subscribe(raw, 'rh/x', 0x08, 4); // retain handling 0 and retain as published
  raw.take(T.Suback);
  t.true(raw.take(T.Publish).retain);
  publish(pub, 'rh/x', 'live', 0, 0, (p) => { p.retain = true; });
  const live = raw.take(T.Publish);
  t.true(live.retain, 'retain as published keeps the flag on live messages');
});

test('a will delay is cancelled by a reconnect within it, and the will is sent once it passes', (t) => {
  const { broker: b, advance, advanceUntil } = virtualBroker(t);
  const w = connected(b, 'watcher');
  subscribe(w, 'wd/#', 0);
  w.take(T.Suback);
  const will = (id: string) => (p: Packet): void => {
    persistent(30)(p);
    setWill(p, `wd/${id}`, id);
    p.willProps!.setNumber(P.WillDelayInterval, 1);
  };
  const back = connected(b, 'back', will('back'));
  const gone = connected(b, 'gone', will('gone'));
  back.vanish();
  gone.vanish();
  advance(300);
  connected(b, 'back', persistent(30));
  const waited = advanceUntil(() => w.packets.length > 0, 2700);
  t.not(waited, -1, 'a will within 3 s');
  const m = w.take(T.Publish);
  t.is(m.topic, 'wd/gone');
  t.true(300 + waited >= 950, `sent after ${300 + waited} ms`);
  advance(900);
  t.is(w.packets.length, 0, 'the reconnected client\'s will was cancelled');
});

test('session expiry: the session is gone once the interval has passed', (t) => {
  const { broker: b, advance } = virtualBroker(t);
  const c = connected(b, 'short', persistent(1));
  subscribe(c, 'se', 0);
  c.take(T.Suback);
  c.send(T.Disconnect);
  t.true(b.sessions.has('short'));
  advance(1200);
  t.false(b.sessions.has('short'));
  const raw = new MemoryClient(b);
  t.false(raw.connect('short', (p) => { p.cleanStart = false; }).sessionPresent);
});

test('keep alive is enforced at one and a half times: DISCONNECT 0x8D', (t) => {
  const { broker: b, advanceUntil } = virtualBroker(t);
  const raw = new MemoryClient(b);
  raw.connect('sleepy', (p) => { p.keepAlive = 1; });
  const waited = advanceUntil(() => raw.packets.length > 0, 3000);
  t.is(raw.take(T.Disconnect).reasonCode, 0x8d);
  t.true(raw.closed);
  t.true(waited >= 1450 && waited < 4000, `closed after ${waited} ms`);
});

test('a connection that sends no CONNECT is closed after the timeout', (t) => {
  const { broker: b, advanceUntil } = virtualBroker(t, { connectTimeout: 200 });
  const raw = new MemoryClient(b);
  const waited = advanceUntil(() => raw.closed, 2000);
  t.true(waited >= 200, `closed after ${waited} ms`);
});

test('maximum packet size: too large in is DISCONNECT 0x95; too large for the client is not sent', async (t) => {
  const b = await broker(t, { maxPacketSize: 256 });
  const small = await RawClient.open(t, b.port);
  const ack = await small.connect('small', (p) => p.props.setNumber(P.MaximumPacketSize, 64));
  t.is(ack.props[P.MaximumPacketSize], 256);
  subscribe(small, 'mp', 0);
  await small.expect(T.Suback);
  const pub = await RawClient.open(t, b.port);
  await pub.connect('big');
  publish(pub, 'mp', 'x'.repeat(100));
  publish(pub, 'mp', 'fits');
  t.is((await small.expect(T.Publish)).payload, 'fits');
  publish(pub, 'mp', 'y'.repeat(400));
  t.is((await pub.expect(T.Disconnect)).reasonCode, 0x95);
  t.is(b.broker.stats.droppedTooLarge, 1);
});

test('a malformed packet gets DISCONNECT with the codec\'s reason code and leaves others alone', async (t) => {
  const b = await broker(t);
  const good = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(good);
  await good.subscribeAsync('mf');
  const bad = await RawClient.open(t, b.port);
  await bad.connect('bad');
  bad.raw([0x36, 0x05, 0x00, 0x02, 0x6d, 0x66, 0x00]); // PUBLISH with QoS 3
  t.is((await bad.expect(T.Disconnect)).reasonCode, 0x81);
  await bad.waitClosed();
  const bad3 = await RawClient.open(t, b.port, 4);
  await bad3.connect('bad3');
  bad3.raw([0x82, 0x02, 0x00, 0x01]); // SUBSCRIBE without filters
  await bad3.waitClosed();
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('mf', 'still fine');
  t.is((await got.take(1))[0].payload, 'still fine');
});

test('an unsupported protocol level is answered with CONNACK 0x01 (3.1.1 form)', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port, 4);
  raw.raw([0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x07, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x41]);
  t.is((await raw.expect(T.Connack)).reasonCode, 0x84);
  await raw.waitClosed();
});

test('the offline queue is bounded and what it drops is counted', async (t) => {
  const b = await broker(t, { maxQueued: 3 });
  const s = await client(t, b.port, { protocolVersion: 5, clientId: 'q', clean: false, properties: { sessionExpiryInterval: 60 } });
  await s.subscribeAsync('bq', { qos: 1 });
  await s.endAsync();
  const pub = await client(t, b.port, { protocolVersion: 5 });
  for (let i = 0; i < 3; i++) await pub.publishAsync('bq', String(i), { qos: 1 });
  // Dropped for its only subscriber: the publisher hears it (PUBACK 0x97).
  for (let i = 3; i < 5; i++) await t.throwsAsync(pub.publishAsync('bq', String(i), { qos: 1 }), { message: /Quota exceeded/ });
  t.is(b.broker.sessions.get('q')!.queue.length, 3);
  t.is(b.broker.stats.droppedQueued, 2);
});

test('server DISCONNECT 0x8B on shutdown', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('bye');
  b.broker.close();
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x8b);
});

test('$SYS/broker statistics are published', (t) => {
  const { broker: b, advance, advanceUntil } = virtualBroker(t, { sysInterval: 1 });
  const c = connected(b, 'sys');
  subscribe(c, '$SYS/broker/clients/connected', 0, 1);
  subscribe(c, '$SYS/broker/uptime', 0, 2);
  t.not(advanceUntil(() => published(c).length >= 2, 3000), -1, 'two messages within 3 s');
  const msgs = published(c).slice(0, 2);
  const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m.payload]));
  t.regex(byTopic['$SYS/broker/uptime'], /^\d+ seconds$/);
  t.regex(byTopic['$SYS/broker/clients/connected'], /^\d+$/);
  t.not(advanceUntil(() => published(c).length >= 3, 2500), -1, 'a third within 2.5 s');
  t.true(published(c)[2].topic.startsWith('$SYS/broker/'));
  // '#' does not match $SYS topics (MQTT-4.7.2-1).
  const all = connected(b, 'all');
  subscribe(all, '#', 0);
  all.take(T.Suback);
  advance(1100);
  t.false(all.packets.some((m) => m.topic.startsWith('$')));
});

test('back-pressure: a publisher filling an online client\'s queue past half waits until it drains', (t) => {
  const { broker: b } = virtualBroker(t, { maxQueued: 10 });
  const sub = connected(b, 'slow-sub', (p) => p.props.setNumber(P.ReceiveMaximum, 1));
  subscribe(sub, 'bp', 1);
  sub.take(T.Suback);
  const pub = connected(b, 'fast-pub');
  for (let i = 1; i <= 6; i++) {
    publish(pub, 'bp', String(i), 1, i);
    t.is(pub.take(T.Puback).packetId, i);
  }
  publish(pub, 'bp', '7', 1, 7);
  t.is(pub.packets.length, 0, 'the seventh PUBLISH is not read while the queue is half full');
  for (let i = 0; i < 4; i++) {
    const m = sub.take(T.Publish);
    sub.send(T.Puback, (p) => { p.packetId = m.packetId; });
  }
  t.is(pub.take(T.Puback).packetId, 7);
  t.is(b.stats.droppedQueued, 0);
});

test('server keep alive: CONNACK carries it and it is the one enforced', (t) => {
  const { broker: b, advanceUntil } = virtualBroker(t, { serverKeepAlive: 1 });
  const raw = new MemoryClient(b);
  const ack = raw.connect('ska', (p) => { p.keepAlive = 600; });
  t.is(ack.props[P.ServerKeepAlive], 1);
  const waited = advanceUntil(() => raw.packets.length > 0, 4000);
  t.is(raw.take(T.Disconnect).reasonCode, 0x8d);
  t.true(waited >= 1450, `closed after ${waited} ms`);
});

test('a topic alias is not taken by a message too large for the client', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('alias-small', (p) => {
    p.props.setNumber(P.TopicAliasMaximum, 2);
    p.props.setNumber(P.MaximumPacketSize, 64);
  });
  subscribe(raw, 'big/t', 0);
  await raw.expect(T.Suback);
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('big/t', 'x'.repeat(100));
  await pub.publishAsync('big/t', 'small');
  const m = await raw.expect(T.Publish);
  t.is(m.topic, 'big/t', 'the topic is sent in full with the alias the first time it reaches the client');
  t.is(m.props[P.TopicAlias], 1);
  t.is(m.payload, 'small');
});

test('a will\'s message expiry counts from when it is published, not from CONNECT', (t) => {
  const { broker: b, advance } = virtualBroker(t);
  const c = connected(b, 'lived', (p) => {
    setWill(p, 'we/lived', 'bye', 1, true);
    p.willProps!.setNumber(P.MessageExpiryInterval, 1);
  });
  advance(1200);
  c.vanish();
  advance(100);
  const late = connected(b, 'late');
  subscribe(late, 'we/#', 0);
  late.take(T.Suback);
  const m = late.take(T.Publish);
  t.is(m.payload, 'bye');
  t.is(m.props[P.MessageExpiryInterval], 1);
});

test('a PUBLISH from a client carrying a subscription identifier is DISCONNECT 0x82 (MQTT-3.3.4-6)', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('sid');
  publish(raw, 'x', 'y', 0, 0, (p) => p.props.addSubscriptionId(3));
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x82);
});

test('--max-inflight caps QoS 1 messages in flight to a client that allows more', (t) => {
  const { broker: b } = virtualBroker(t, { maxInflight: 2 });
  const raw = connected(b, 'capped', undefined, 4);
  subscribe(raw, 'mi', 1);
  raw.take(T.Suback);
  const pub = connected(b, 'pub', undefined, 4);
  for (let i = 0; i < 4; i++) {
    publish(pub, 'mi', String(i), 1, i + 1);
    pub.take(T.Puback);
  }
  const first = raw.take(T.Publish);
  raw.take(T.Publish);
  t.is(raw.packets.length, 0);
  raw.send(T.Puback, (p) => { p.packetId = first.packetId; });
  t.is(raw.take(T.Publish).payload, '2');
});
