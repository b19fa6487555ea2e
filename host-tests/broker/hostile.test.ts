// Hostile input: bytes before CONNECT, claimed lengths, many filters or user properties, a second
// CONNECT, malformed properties, tiny Maximum Packet Size, and a client sending a byte at a time.
// What depends on time, or on nothing arriving, runs on simulated time through in-process clients.
import test from 'ava';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { Packet } from '../../src/core/codec/packet.js';
import { broker, bytes, publish, RawClient } from './helpers.js';
import { connected, MemoryClient, virtualBroker } from './memory-client.js';

/** Sends a record built here (any capacity), encoded by the project's codec. */
function sendBig(raw: { readonly version: number; raw(bytes: Buffer): void }, type: number, capacity: number, build: (p: Packet) => void): void {
  const p = new Packet(capacity, capacity, 8);
  p.reset(type, raw.version);
  build(p);
  const out = new Uint8Array(1 << 20);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode failed: ${-n}`);
  raw.raw(Buffer.from(out.subarray(0, n)));
}

/** A raw client able to decode packets with many codes or user properties. */
async function openBig(t: Parameters<typeof RawClient.open>[0], port: number): Promise<RawClient> {
  const raw = await RawClient.open(t, port);
  raw.pkt = new Packet(1024, 1024, 8);
  return raw;
}

test('a CONNECT header claiming 256 MB closes at once, nothing reserved for it', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  raw.raw([0x10, 0xff, 0xff, 0xff, 0x7f]);
  await raw.waitClosed();
  t.is(b.broker.stats.refused['before-connect'], 1);
  t.is(b.broker.connections.size, 0);
});

test('MQTT-3.1.0-1: a first packet that is not CONNECT closes at its first byte', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  raw.raw([0x30, 0x05]);
  await raw.waitClosed();
  t.is(b.broker.stats.refused['before-connect'], 1);
});

test('a connected client claiming a huge packet: the buffer grows only with the bytes that come', (t) => {
  const { broker: b } = virtualBroker(t);
  const raw = connected(b, 'claimer');
  raw.raw([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61, ...Buffer.alloc(10000)]);
  const conn = [...b.connections].find((c) => c.clientId === 'claimer');
  t.truthy(conn);
  t.false(raw.closed);
  t.true(conn!.framer.buf.length <= 16384, `buffer of ${conn!.framer.buf.length} bytes`);
});

test('a SUBSCRIBE and an UNSUBSCRIBE of 300 filters are answered with 300 codes', async (t) => {
  const b = await broker(t);
  const raw = await openBig(t, b.port);
  await raw.connect('many');
  const filters = Array.from({ length: 300 }, (_, i) => `m/${i}`);
  sendBig(raw, T.Subscribe, 400, (p) => {
    p.packetId = 1;
    for (const f of filters) p.addFilter(...bytes(f), 1);
  });
  const ack = await raw.expect(T.Suback);
  t.is(ack.codes.length, 300);
  t.true(ack.codes.every((c) => c === 1));
  t.is(b.broker.sessions.get('many')!.subs.size, 300);
  sendBig(raw, T.Unsubscribe, 400, (p) => {
    p.packetId = 2;
    for (const f of filters) p.addFilter(...bytes(f), 0);
  });
  const un = await raw.expect(T.Unsuback);
  t.is(un.codes.length, 300);
  t.true(un.codes.every((c) => c === 0));
  t.is(b.broker.sessions.get('many')!.subs.size, 0);
});

test('more filters than maxFiltersPerPacket: DISCONNECT 0x97, counted', async (t) => {
  const b = await broker(t, { maxFiltersPerPacket: 100 });
  const raw = await openBig(t, b.port);
  await raw.connect('toomany');
  sendBig(raw, T.Subscribe, 400, (p) => {
    p.packetId = 1;
    for (let i = 0; i < 150; i++) p.addFilter(...bytes(`x/${i}`), 0);
  });
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x97);
  await raw.waitClosed();
  t.is(b.broker.stats.refused.filters, 1);
  // Past the record's first size (256) too.
  const big = await broker(t, { maxFiltersPerPacket: 300 });
  const raw2 = await openBig(t, big.port);
  await raw2.connect('toomany2');
  sendBig(raw2, T.Unsubscribe, 500, (p) => {
    p.packetId = 1;
    for (let i = 0; i < 400; i++) p.addFilter(...bytes(`x/${i}`), 0);
  });
  t.is((await raw2.expect(T.Disconnect)).reasonCode, 0x97);
});

test('100 user properties are forwarded, all of them, in order', async (t) => {
  const b = await broker(t);
  const sub = await openBig(t, b.port);
  await sub.connect('up-sub');
  sub.send(T.Subscribe, (p) => { p.packetId = 1; p.addFilter(...bytes('up/#'), 0); });
  await sub.expect(T.Suback);
  const pub = await openBig(t, b.port);
  await pub.connect('up-pub');
  sendBig(pub, T.Publish, 128, (p) => {
    p.setTopic(...bytes('up/x'));
    p.setPayload(...bytes('hi'));
    for (let i = 0; i < 100; i++) p.props.addUserProperty(...bytes(`k${i}`), ...bytes(`v${i}`));
  });
  const msg = await sub.expect(T.Publish);
  t.is(msg.user.length, 100);
  t.deepEqual(msg.user[99], ['k99', 'v99']);
});

test('more user properties than maxUserProperties: refused with PUBACK 0x97, never forwarded cut', (t) => {
  const { broker: b } = virtualBroker(t, { maxUserProperties: 50 });
  const sub = connected(b, 'cap-sub');
  sub.pkt = new Packet(1024, 1024, 8);
  sub.send(T.Subscribe, (p) => { p.packetId = 1; p.addFilter(...bytes('cap/#'), 0); });
  sub.take(T.Suback);
  const pub = connected(b, 'cap-pub');
  sendBig(pub, T.Publish, 128, (p) => {
    p.setTopic(...bytes('cap/x'));
    p.qos = 1;
    p.packetId = 7;
    for (let i = 0; i < 60; i++) p.props.addUserProperty(...bytes(`k${i}`), ...bytes('v'));
  });
  t.is(pub.take(T.Puback).reasonCode, 0x97);
  t.is(sub.packets.length, 0);
  t.is(b.stats.refused['user-properties'], 1);
});

test('MQTT-3.1.0-2: a second CONNECT, even one that does not decode, is DISCONNECT 0x82', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('twice');
  // Protocol level 6: unsupported, which alone would be 0x84, not a DISCONNECT reason code.
  raw.raw([0x10, 0x0a, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x06, 0x02, 0x00, 0x3c]);
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x82);
  await raw.waitClosed();
  const again = await RawClient.open(t, b.port);
  await again.connect('twice-valid');
  again.send(T.Connect, (p) => { p.clientId = Buffer.from('x'); p.clientIdOff = 0; p.clientIdLen = 1; });
  t.is((await again.expect(T.Disconnect)).reasonCode, 0x82);
});

test('Authentication Data without Authentication Method: CONNACK 0x82', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  const ack = await raw.connect('authdata', (p) => p.props.setBytes(P.AuthenticationData, ...bytes('secret')));
  t.is(ack.reasonCode, 0x82);
  await raw.waitClosed();
  t.false(b.broker.sessions.has('authdata'));
});

test('MQTT-3.3.2-14: a Response Topic with a wildcard is a protocol error, in a PUBLISH and in a will', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('resp');
  publish(raw, 'req/x', 'q', 0, 0, (p) => p.props.setBytes(P.ResponseTopic, ...bytes('resp/+')));
  t.is((await raw.expect(T.Disconnect)).reasonCode, 0x82);
  const w = await RawClient.open(t, b.port);
  const ack = await w.connect('resp-will', (p) => {
    p.willFlag = true;
    [p.willTopic, p.willTopicOff, p.willTopicLen] = bytes('will/x');
    [p.willPayload, p.willPayloadOff, p.willPayloadLen] = bytes('gone');
    p.willProps!.setBytes(P.ResponseTopic, ...bytes('resp/#'));
  });
  t.is(ack.reasonCode, 0x82);
  // A plain Response Topic still goes through.
  const ok = await RawClient.open(t, b.port);
  await ok.connect('resp-ok');
  publish(ok, 'req/y', 'q', 1, 3, (p) => p.props.setBytes(P.ResponseTopic, ...bytes('resp/y')));
  t.is((await ok.expect(T.Puback)).packetId, 3);
});

test('Maximum Packet Size 1: no CONNACK can be sent, so the connection is closed', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port);
  raw.send(T.Connect, (p) => {
    [p.clientId, p.clientIdOff, p.clientIdLen] = bytes('tiny');
    p.props.setNumber(P.MaximumPacketSize, 1);
  });
  await raw.waitClosed();
  t.is(raw.packets.length, 0);
  t.is(b.broker.stats.refused['connack-too-large'], 1);
  t.false(b.broker.sessions.has('tiny'));
});

/** Sends one byte of a PUBLISH every `ms` of simulated time until the broker closes (at most `max` bytes). */
function dribble(raw: MemoryClient, advance: (ms: number) => void, ms: number, max: number): void {
  raw.raw([0x30, 0x7f]);
  for (let i = 0; i < max && !raw.closed; i++) {
    advance(ms);
    if (!raw.closed) raw.raw([0x61]);
  }
}

test('MQTT-3.1.2-22: bytes of an unfinished packet do not reset keep alive', (t) => {
  const { broker: b, advance } = virtualBroker(t);
  const raw = connected(b, 'slowloris', (p) => { p.keepAlive = 1; });
  dribble(raw, advance, 200, 40);
  t.true(raw.closed);
  t.is(raw.packets.find((p) => p.type === T.Disconnect)?.reasonCode, 0x8d);
});

test('a packet started longer ago than packetTimeout and coming slower than minByteRate is closed', (t) => {
  const { broker: b, advance } = virtualBroker(t, { packetTimeout: 500, minByteRate: 1024 });
  const raw = connected(b, 'slowpacket', (p) => { p.keepAlive = 0; });
  dribble(raw, advance, 100, 80);
  t.true(raw.closed);
  t.is(raw.packets.find((p) => p.type === T.Disconnect)?.reasonCode, 0x8d);
  t.is(b.stats.refused['slow-packet'], 1);
});
