// The trace writes each packet's codes as they are on the wire for its protocol version.
import test from 'ava';
import { Packet } from '../../src/core/codec/packet.js';
import { PacketType, ReasonCode } from '../../src/core/codec/constants.js';
import { traceLine, traceRecord } from '../../src/broker/trace.js';
import { Acl } from '../../src/broker/auth.js';
import { broker, RawClient } from './helpers.js';

function packet(type: number, version: number, rc: number): Packet {
  const p = new Packet(4, 4, 4);
  p.reset(type, version);
  p.reasonCode = rc;
  p.packetId = 7;
  return p;
}

test('a 3.1.1 CONNACK shows its return code; MQTT 5 shows the reason code', (t) => {
  t.is(traceRecord('c', 'out', packet(PacketType.Connack, 4, ReasonCode.BadUserNameOrPassword)).rc, 4);
  t.is(traceRecord('c', 'out', packet(PacketType.Connack, 4, ReasonCode.NotAuthorized)).rc, 5);
  t.is(traceRecord('c', 'out', packet(PacketType.Connack, 5, ReasonCode.BadUserNameOrPassword)).rc, 0x86);
});

test('3.1.1 acknowledgements and DISCONNECT carry no reason code, so the trace shows none', (t) => {
  for (const type of [PacketType.Puback, PacketType.Pubrec, PacketType.Pubrel, PacketType.Pubcomp, PacketType.Disconnect]) {
    t.is(traceRecord('c', 'out', packet(type, 4, ReasonCode.NotAuthorized)).rc, undefined, String(type));
    t.is(traceRecord('c', 'out', packet(type, 5, ReasonCode.NotAuthorized)).rc, 0x87, String(type));
  }
  t.is(traceRecord('c', 'out', packet(PacketType.Unsuback, 4, 0)).codes, undefined);
});

test('on the broker: a refused 3.1.1 publish and login are traced as the client saw them', async (t) => {
  const lines: string[] = [];
  const b = await broker(t, { acl: Acl.parse('topic read open/#'), onTrace: (line) => { lines.push(line); } });
  const raw = await RawClient.open(t, b.port, 4);
  t.is((await raw.connect('old-1')).reasonCode, 0);
  raw.send(PacketType.Publish, (p) => {
    p.setTopic(new TextEncoder().encode('closed/x'), 0, 8);
    p.qos = 1;
    p.packetId = 3;
  });
  await raw.expect(PacketType.Puback);
  const ack = lines.find((l) => /old-1 <- PUBACK id=3/.test(l));
  t.truthy(ack, lines.join('\n'));
  t.notRegex(ack!, /rc=/);
  t.regex(traceLine(traceRecord('old-1', 'out', packet(PacketType.Connack, 4, ReasonCode.NotAuthorized))), /<- CONNACK rc=0x05$/);
});
