// Acks that name no request in flight: the server broke MQTT-3.8.4-2, and the session ends the
// connection rather than leave the request waiting for an ack that cannot come.
import test from 'ava';
import { ReasonCode } from '../../src/core/codec/index.js';
import { enc, testOptions } from './harness.js';
import { connected, reconnect } from './common.js';
import * as P from './packets.js';

test('MQTT-3.8.4-2: a SUBACK with an id never sent is a protocol error (DISCONNECT 0x82); the SUBSCRIBE goes again', (t) => {
  const o = testOptions();
  const h = connected(o);
  h.session.subscribe(enc('a'), 0, 1, 1, 0, null);
  h.expect(P.subscribe(1, [['a', 1]]));
  h.respond(P.suback(2, [1]));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
  t.deepEqual(h.handler.subacks, []);
  reconnect(h, o, false);
  h.expect(P.subscribe(1, [['a', 1]]));
  h.respond(P.suback(1, [1]));
  t.deepEqual(h.handler.subacks, [{ id: 1, codes: [1] }]);
});

test('an UNSUBACK with an id never sent is a protocol error (DISCONNECT 0x82)', (t) => {
  const h = connected();
  h.respond(P.unsuback(7, [0]));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
  t.deepEqual(h.handler.closes, [{ rc: ReasonCode.ProtocolError, server: false }]);
});

test('MQTT 3.1.1: a SUBACK with an id never sent closes without DISCONNECT', (t) => {
  const h = connected(testOptions({ version: 4 }));
  h.session.subscribe(enc('a'), 0, 1, 1, 0, null);
  h.expect(P.subscribe(1, [['a', 1]], { v: 4 }));
  h.respond(P.suback(9, [1], { v: 4 }));
  h.expectNothing();
  t.true(h.closed);
});
