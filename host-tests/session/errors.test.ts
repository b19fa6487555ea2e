import test from 'ava';
import { PropertyId, ReasonCode } from '../../src/core/codec/index.js';
import { Harness, enc, testOptions } from './harness.js';
import { connected, reconnect } from './common.js';
import * as P from './packets.js';

const MALFORMED: [string, number[], number][] = [
  ['reserved packet type 0', [0x00, 0x00], ReasonCode.MalformedPacket],
  ['PUBREL with flags 0000', [0x60, 0x02, 0x00, 0x01], ReasonCode.MalformedPacket],
  ['PUBLISH QoS 3', [0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], ReasonCode.MalformedPacket],
  ['remaining length varint of 5 bytes', [0x30, 0xff, 0xff, 0xff, 0xff, 0x01], ReasonCode.MalformedPacket],
  ['PUBLISH topic with a wildcard', [0x30, 0x04, 0x00, 0x01, 0x23, 0x00], ReasonCode.TopicNameInvalid],
  ['PUBACK with packet id 0', [0x40, 0x02, 0x00, 0x00], ReasonCode.MalformedPacket],
  ['SUBSCRIBE sent to a client', [0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x00], ReasonCode.ProtocolError],
  ['PINGREQ sent to a client', [0xc0, 0x00], ReasonCode.ProtocolError],
  ['invalid UTF-8 in a topic', [0x30, 0x05, 0x00, 0x02, 0xc0, 0x80, 0x00], ReasonCode.MalformedPacket],
];
for (const [name, bytes, rc] of MALFORMED) {
  test(`malformed input (${name}): DISCONNECT 0x${rc.toString(16)}, clean close, queued QoS 1/2 kept`, (t) => {
    const o = testOptions({ cleanStart: false, sessionExpiry: 60 });
    const h = connected(o);
    const handle = h.session.publish(enc('t'), 0, 1, enc('keep'), 0, 4, 1, false);
    h.expect(P.publish('t', 'keep', { qos: 1, id: 1 }));
    h.respond(new Uint8Array(bytes));
    h.expect(P.disconnect(rc));
    t.true(h.closed);
    t.deepEqual(h.handler.closes, [{ rc, server: false }]);
    reconnect(h, o, true);
    h.expect(P.publish('t', 'keep', { qos: 1, id: 1, dup: true }));
    h.respond(P.puback(1));
    t.deepEqual(h.handler.done, [[handle, 0]]);
  });
}

test('MQTT 3.1.1: malformed input closes without DISCONNECT', (t) => {
  const h = connected(testOptions({ version: 4 }));
  h.respond(new Uint8Array([0x00, 0x00]));
  h.expectNothing();
  t.true(h.closed);
});

test('server DISCONNECT with reason and server reference is surfaced; no reply; reconnects', (t) => {
  const o = testOptions();
  const h = connected(o);
  h.respond(P.disconnect(ReasonCode.UseAnotherServer, { props: { [PropertyId.ServerReference]: 'b2:1883', [PropertyId.ReasonString]: 'move' } }));
  h.expectNothing();
  t.true(h.closed);
  t.deepEqual(h.handler.closes, [{ rc: 0x9c, server: true, serverReference: 'b2:1883' }]);
  reconnect(h, o, false);
  t.is(h.handler.lastConnack!.rc, 0);
});

test('client disconnect(): DISCONNECT sent, closed, no reconnect; 0x04 asks for the will', (t) => {
  const h = connected();
  h.driver.stop(ReasonCode.DisconnectWithWillMessage);
  h.expect(P.disconnect(ReasonCode.DisconnectWithWillMessage));
  t.true(h.closed);
  h.advance(1000000);
  t.is(h.transport.opens, 1);
});

test('inbound QoS 2 beyond our Receive Maximum: DISCONNECT 0x93', (t) => {
  const h = connected(testOptions({ inboundQos2: 1 }));
  h.respond(P.publish('t', 'a', { qos: 2, id: 1 }));
  h.expect(P.pubrec(1));
  h.respond(P.publish('t', 'b', { qos: 2, id: 2 }));
  h.expect(P.disconnect(ReasonCode.ReceiveMaximumExceeded));
  t.true(h.closed);
});

test('PUBLISH before CONNACK from the server is a protocol error', (t) => {
  const o = testOptions();
  const h = new Harness(o).start();
  h.takeSent();
  h.respond(P.publish('t', 'x'));
  h.expect(P.disconnect(ReasonCode.ProtocolError));
  t.true(h.closed);
});
