import test from 'ava';
import { enc, Harness, testOptions } from './harness.js';
import { connected, expectedConnect } from './common.js';
import * as P from './packets.js';

test('partial writes: the driver resumes on writable and the bytes arrive intact and in order', (t) => {
  const h = connected();
  h.transport.writeLimit = 5;
  h.session.publish(enc('a/long/topic'), 0, 12, enc('payload-payload'), 0, 15, 1, false);
  h.session.publish(enc('b'), 0, 1, enc('x'), 0, 1, 0, false);
  t.is(h.transport.sent.length, 5);
  for (let i = 0; i < 20 && h.session.unsent() > 0; i++) h.transport.events!.onWritable();
  h.expect(P.publish('a/long/topic', 'payload-payload', { qos: 1, id: 1 }), P.publish('b', 'x'));
});

test('back-pressure: with the transport not writable, received packets wait (bounded buffers), then all are acknowledged in order', (t) => {
  const o = testOptions({ sendBufferSize: 96, receiveBufferSize: 64 });
  const h = new Harness(o).start();
  h.expect(expectedConnect(o));
  h.respond(P.connack(0, false));
  h.transport.writeLimit = 0;
  const inbound: Uint8Array[] = [];
  for (let i = 1; i <= 30; i++) inbound.push(P.publish('t', `m${i}`, { qos: 1, id: i }));
  h.respond(...inbound);
  // Not everything could be taken: the send buffer (PUBACKs) is full and the receive buffer is small.
  t.true(h.handler.messages.length < 30);
  t.true(h.transport.incoming.length > 0);
  h.transport.writeLimit = Infinity;
  for (let i = 0; i < 100 && (h.transport.incoming.length > 0 || h.session.unsent() > 0); i++) h.transport.events!.onWritable();
  t.is(h.handler.messages.length, 30);
  const acks: Uint8Array[] = [];
  for (let i = 1; i <= 30; i++) acks.push(P.puback(i));
  h.expect(...acks);
});

test('a packet split across reads in every possible place is framed correctly', (t) => {
  const h = connected();
  const bytes = P.publish('split/topic', 'data', { qos: 1, id: 3 });
  for (let cut = 1; cut < bytes.length; cut++) {
    h.respond(bytes.subarray(0, cut));
    h.respond(bytes.subarray(cut));
  }
  t.is(h.handler.messages.length, bytes.length - 1);
  t.true(h.handler.messages.every((m) => m.topic === 'split/topic' && m.payload === 'data'));
});
