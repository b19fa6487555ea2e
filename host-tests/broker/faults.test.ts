// Fault injection, observed from the clients it targets: from rules given at start (as
// --fault flags are) and from $bench/fault/... control messages at runtime. The broker runs on
// simulated time with in-process clients, so "the packet was not sent" is an exact check.
import test, { ExecutionContext } from 'ava';
import { PacketType as T } from '../../src/core/codec/constants.js';
import { parseFaultSpec } from '../../src/broker/faults.js';
import { bytes, publish, subscribe } from './helpers.js';
import { connected, MemoryClient, virtualBroker } from './memory-client.js';

/** A broker, a bench client allowed to send control messages (it sees $bench/events), and the trace. */
function bench(t: ExecutionContext, faults: string[] = []) {
  const lines: string[] = [];
  const { broker: b } = virtualBroker(t, { faults: faults.map(parseFaultSpec), onTrace: (line) => { lines.push(line); } });
  const ctl = connected(b, 'bench-ctl');
  subscribe(ctl, '$bench/events', 0);
  ctl.take(T.Suback);
  let pid = 0;
  /** Sends a control message; the first event it produced (all it produced are taken). */
  const control = (kind: string, params: Record<string, unknown>) => {
    publish(ctl, `$bench/fault/${kind}`, JSON.stringify(params), 1, ++pid);
    const events = [];
    while (ctl.packets[0]?.type === T.Publish) events.push(JSON.parse(ctl.take(T.Publish).payload));
    ctl.take(T.Puback);
    if (events.length === 0) throw new Error(`no event for ${kind}`);
    return events[0];
  };
  return { b, lines, ctl, control };
}

test('drop puback (flag): the first PUBACK to a matching client is not sent, and the firing is reported', (t) => {
  const { b, lines, ctl } = bench(t, ['drop:packet=puback,client=dev-*,count=1']);
  const raw = connected(b, 'dev-1');
  publish(raw, 'd/x', 'a', 1, 1);
  t.is(raw.packets.length, 0);
  publish(raw, 'd/x', 'b', 1, 2);
  t.is(raw.take(T.Puback).packetId, 2);
  t.like(JSON.parse(ctl.take(T.Publish).payload), { event: 'fault', kind: 'drop', client: 'dev-1' });
  t.true(lines.some((l) => /dev-1 !! FAULT drop/.test(l)));
  const other = connected(b, 'other');
  publish(other, 'd/x', 'c', 1, 1);
  t.is(other.take(T.Puback).packetId, 1, 'clients that do not match are untouched');
});

test('drop pubrec and pubcomp: the QoS 2 exchange stalls where told', (t) => {
  const { b, control } = bench(t);
  control('drop', { packet: 'pubrec', client: 'dev-q', count: 1 });
  control('drop', { packet: 'pubcomp', client: 'dev-q', count: 1 });
  const raw = connected(b, 'dev-q');
  publish(raw, 'q/x', 'a', 2, 1);
  t.is(raw.packets.length, 0, 'no PUBREC');
  publish(raw, 'q/x', 'a', 2, 1); // resent: PUBREC now
  raw.take(T.Pubrec);
  raw.send(T.Pubrel, (p) => { p.packetId = 1; });
  t.is(raw.packets.length, 0, 'no PUBCOMP');
  raw.send(T.Pubrel, (p) => { p.packetId = 1; });
  raw.take(T.Pubcomp);
});

test('close now and close after N packets (runtime)', (t) => {
  const { b, control } = bench(t);
  const now = connected(b, 'dev-now');
  const later = connected(b, 'dev-later');
  control('close', { client: 'dev-now' });
  t.is(now.take(T.Disconnect).reasonCode, 0x98);
  t.true(now.closed);
  control('close', { client: 'dev-later', after: 2 });
  later.send(T.Pingreq);
  later.take(T.Pingresp);
  later.send(T.Pingreq);
  t.is(later.take(T.Disconnect).reasonCode, 0x98);
  t.true(later.closed);
});

test('duplicate: each outgoing PUBLISH and PUBREL is sent twice, with DUP on the copy', (t) => {
  const { b, control } = bench(t);
  const raw = connected(b, 'dev-d');
  subscribe(raw, 'dd', 2);
  raw.take(T.Suback);
  control('duplicate', { client: 'dev-d', count: 3 });
  const pub = connected(b, 'pub');
  publish(pub, 'dd', 'once', 2, 1);
  const a = raw.take(T.Publish);
  const c = raw.take(T.Publish);
  t.is(a.packetId, c.packetId);
  t.false(a.dup);
  t.true(c.dup);
  raw.send(T.Pubrec, (p) => { p.packetId = a.packetId; });
  raw.take(T.Pubrel);
  raw.take(T.Pubrel);
});

test('refuse: CONNECT is answered with the chosen reason code', (t) => {
  const { b, control } = bench(t);
  control('refuse', { client: 'dev-r', reason: 0x8a });
  const raw = new MemoryClient(b);
  t.is(raw.connect('dev-r').reasonCode, 0x8a);
  t.true(raw.closed);
  const v3 = new MemoryClient(b, 4);
  t.not(v3.connect('dev-r').reasonCode, 0, '3.1.1 clients get the nearest return code');
});

test('nopong: PINGREQ goes unanswered', (t) => {
  const { b, control } = bench(t);
  control('nopong', { client: 'dev-p', count: 1 });
  const raw = connected(b, 'dev-p');
  raw.send(T.Pingreq);
  t.is(raw.packets.length, 0);
  raw.send(T.Pingreq);
  raw.take(T.Pingresp);
});

test('only an authorised bench client may publish to $bench/fault: others get PUBACK 0x87', (t) => {
  const { b } = bench(t);
  const evil = connected(b, 'evil');
  evil.send(T.Publish, (p) => {
    p.setTopic(...bytes('$bench/fault/close'));
    p.setPayload(...bytes('{}'));
    p.qos = 1;
    p.packetId = 1;
  });
  t.is(evil.take(T.Puback).reasonCode, 0x87);
  t.is(b.faults.rules.length, 0);
});

test('a bad control message is reported on $bench/events, and clear removes rules', (t) => {
  const { b, control } = bench(t);
  const bad = control('explode', {});
  t.is(bad.event, 'error');
  t.regex(bad.error, /unknown fault kind/);
  control('nopong', { client: 'x' });
  t.is(b.faults.rules.length, 1);
  const cleared = control('clear', {});
  t.is(cleared.count, 1);
});
