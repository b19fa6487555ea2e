// The core's ServerList alone: rotation, rounds, random order, Server References and their parsing.
import test from 'ava';
import { PacketType, PropertyId, ReasonCode } from '../../src/core/codec/constants.js';
import { Packet } from '../../src/core/codec/packet.js';
import { ServerList, ServerOrder, referenceHostEnd, referenceHostStart, referencePort } from '../../src/core/driver/servers.js';

const none = new Packet(4, 4, 2);

function refPacket(type: number, reason: number, ref: string): Packet {
  const p = new Packet(4, 4, 2);
  p.reset(type, 5);
  p.reasonCode = reason;
  const b = Buffer.from(ref);
  p.props.setBytes(PropertyId.ServerReference, b, 0, b.length);
  return p;
}

/** Fails the attempt in progress: whether the next goes at once. */
function fail(l: ServerList): boolean {
  l.opening();
  return l.closed(false, ReasonCode.UnspecifiedError, none, 0.3);
}

test('in order: failures move along the list at once, and a finished round waits for the back-off', (t) => {
  const l = new ServerList(3, ServerOrder.InOrder);
  l.start(0);
  const seen = [l.index];
  const now: boolean[] = [];
  for (let i = 0; i < 6; i++) {
    now.push(fail(l));
    seen.push(l.index);
  }
  t.deepEqual(seen, [0, 1, 2, 0, 1, 2, 0]);
  t.deepEqual(now, [true, true, false, true, true, false]);
});

test('a lost connection that had been accepted goes to the next server after the back-off, and starts a new round', (t) => {
  const l = new ServerList(3, ServerOrder.InOrder);
  l.start(0);
  l.opening();
  t.false(l.closed(true, 0, none, 0));
  t.is(l.index, 1);
  t.true(fail(l));
  t.true(fail(l));
  t.false(fail(l));
});

test('random order: every round visits every server once', (t) => {
  const l = new ServerList(5, ServerOrder.Random);
  l.start(0.42);
  for (let round = 0; round < 4; round++) {
    const visited = new Set<number>();
    for (let i = 0; i < 5; i++) {
      visited.add(l.index);
      l.opening();
      l.closed(false, 0x80, none, (round + 1) / 7);
    }
    t.is(visited.size, 5);
  }
});

test('a Server Reference is kept only when following is on, with 0x9C or 0x9D, from CONNACK or DISCONNECT', (t) => {
  const l = new ServerList(2, ServerOrder.InOrder);
  l.start(0);
  l.opening();
  t.true(l.closed(false, 0x9c, refPacket(PacketType.Connack, 0x9c, 'b:1884 c:1885'), 0));
  t.is(l.referenceLength, 0, 'not followed when followReferences is off');
  l.followReferences = true;
  l.opening();
  t.true(l.closed(false, 0x9c, refPacket(PacketType.Connack, 0x9c, 'b:1884 c:1885'), 0));
  t.is(Buffer.from(l.reference.subarray(0, l.referenceLength)).toString(), 'b:1884');
  t.false(l.moved);
  l.opening();
  // The reference failed: the list resumes.
  l.closed(false, 0x80, none, 0);
  t.is(l.referenceLength, 0);
  l.opening();
  l.closed(false, 0x87, refPacket(PacketType.Connack, 0x87, 'x:1'), 0);
  t.is(l.referenceLength, 0, 'another reason code is no redirection');
});

test('0x9D: the moved-to server is kept while it accepts; redirections in a row stop after three', (t) => {
  const l = new ServerList(1, ServerOrder.InOrder);
  l.followReferences = true;
  l.start(0);
  l.opening();
  t.true(l.closed(true, 0x9d, refPacket(PacketType.Disconnect, 0x9d, 'new:1999'), 0));
  t.true(l.moved);
  l.opening();
  t.false(l.closed(true, 0, none, 0), 'an accepted connection to it lost: back-off, and still there');
  t.is(l.referenceLength, 8);
  const hops: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    l.opening();
    hops.push(l.closed(false, 0x9c, refPacket(PacketType.Connack, 0x9c, `h${i}:1`), 0));
  }
  t.deepEqual(hops, [true, true, true, false], 'the fourth waits for the back-off');
  t.is(l.referenceLength, 0, 'and the list takes over again');
});

test('references parsed: host:port, [v6]:port, a bare host, a bare IPv6 address', (t) => {
  const parse = (s: string): [string, number] => {
    const b = Buffer.from(s);
    return [b.subarray(referenceHostStart(b, b.length), referenceHostEnd(b, b.length)).toString(), referencePort(b, b.length, 1883)];
  };
  t.deepEqual(parse('broker.example:8883'), ['broker.example', 8883]);
  t.deepEqual(parse('[::1]:1884'), ['::1', 1884]);
  t.deepEqual(parse('node-2'), ['node-2', 1883]);
  t.deepEqual(parse('fe80::1'), ['fe80::1', 1883]);
  t.deepEqual(parse('host:99999'), ['host', 1883]);
});
