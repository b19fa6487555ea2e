import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { backoffDelay } from '../../src/core/session/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, expectedConnect } from './common.js';
import * as P from './packets.js';

test('PINGREQ after the keep-alive interval of silence; PINGRESP keeps the connection', (t) => {
  const h = connected(testOptions({ keepAlive: 10 }));
  h.advance(9999);
  h.expectNothing();
  h.advance(1);
  h.expect(P.pingreq());
  h.respond(P.pingresp());
  h.advance(9999);
  h.expectNothing();
  h.advance(1);
  h.expect(P.pingreq());
  t.false(h.closed);
});

test('sending anything resets the keep-alive timer', (t) => {
  const h = connected(testOptions({ keepAlive: 10 }));
  h.advance(6000);
  h.session.publish(enc('t'), 0, 1, enc('x'), 0, 1, 0, false);
  h.expect(P.publish('t', 'x'));
  h.advance(9999);
  h.expectNothing();
  h.advance(1);
  h.expect(P.pingreq());
  t.pass();
});

test('no PINGRESP within half the interval: connection declared dead (0x8D), reconnect', (t) => {
  const o = testOptions({ keepAlive: 10 });
  const h = connected(o);
  h.advance(10000);
  h.expect(P.pingreq());
  h.advance(4999);
  t.false(h.closed);
  h.advance(1);
  t.true(h.closed);
  t.deepEqual(h.handler.closes, [{ rc: ReasonCode.KeepAliveTimeout, server: false }]);
  h.waitReconnect();
  h.expect(expectedConnect(o));
});

test('explicit ping timeout option', (t) => {
  const h = connected(testOptions({ keepAlive: 10, pingTimeout: 2000 }));
  h.advance(10000);
  h.expect(P.pingreq());
  h.advance(2000);
  t.true(h.closed);
});

test('server keep alive overrides the client value (MQTT-3.2.2-21), also to 0 (off)', (t) => {
  const h = connected(testOptions({ keepAlive: 10 }), { props: { [PropertyId.ServerKeepAlive]: 0 } });
  h.advance(100000);
  h.expectNothing();
  t.is(h.clock.at, -1);
  const h2 = connected(testOptions({ keepAlive: 10 }), { props: { [PropertyId.ServerKeepAlive]: 2 } });
  h2.advance(2000);
  h2.expect(P.pingreq());
});

test('back-off: exponential with jitter, capped, reset on a successful CONNACK', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(1000, 8000, 0.5, a, 0)), [500, 1000, 2000, 4000, 4000, 4000]);
  t.deepEqual([0, 1, 2].map((a) => backoffDelay(1000, 8000, 0.5, a, 0.999)), [999, 1999, 3998]);
  t.deepEqual([0, 1, 2, 3, 4].map((a) => backoffDelay(100, 1000, 0, a, 0.7)), [100, 200, 400, 800, 1000]);
});

test('reconnect timing through the driver follows the back-off and the clock random input', (t) => {
  const o = testOptions({ backoffBase: 1000, backoffMax: 4000, backoffJitter: 0.5 });
  const h = new Harness(o);
  h.transport.autoAccept = false;
  h.clock.rand = 0;
  h.start();
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    h.transport.isOpen = true;
    h.cut(); // the attempt fails
    waits.push(h.waitReconnect());
  }
  t.deepEqual(waits, [500, 1000, 2000, 2000, 2000]);
  // A successful connection resets it.
  h.transport.isOpen = true;
  h.transport.events!.onOpen();
  h.takeSent();
  h.respond(P.connack(0, false));
  h.cut();
  t.is(h.waitReconnect(), 500);
});
