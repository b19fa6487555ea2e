// Fault injection, observed from the clients it targets: from rules given at start (as
// --fault flags are) and from $bench/fault/... control messages at runtime.
import test, { ExecutionContext } from 'ava';
import { PacketType as T } from '../../src/core/codec/constants.js';
import { parseFaultSpec } from '../../src/broker/faults.js';
import { broker, bytes, client, collect, publish, RawClient, subscribe } from './helpers.js';

/** A broker, a bench client allowed to send control messages, and the $bench/events it sees. */
async function bench(t: ExecutionContext, faults: string[] = []) {
  const lines: string[] = [];
  const b = await broker(t, { faults: faults.map(parseFaultSpec), onTrace: (line) => { lines.push(line); } });
  const ctl = await client(t, b.port, { protocolVersion: 5, clientId: 'bench-ctl' });
  const events = collect(ctl);
  await ctl.subscribeAsync('$bench/events');
  const control = async (kind: string, params: Record<string, unknown>) => {
    const before = events.list.length;
    await ctl.publishAsync(`$bench/fault/${kind}`, JSON.stringify(params), { qos: 1 });
    const got = await events.take(before + 1);
    return JSON.parse(got[before].payload);
  };
  return { b, lines, events, control };
}

test('drop puback (flag): the first PUBACK to a matching client is not sent, and the firing is reported', async (t) => {
  const { b, lines, events } = await bench(t, ['drop:packet=puback,client=dev-*,count=1']);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-1');
  publish(raw, 'd/x', 'a', 1, 1);
  t.true(await raw.quiet(150));
  publish(raw, 'd/x', 'b', 1, 2);
  t.is((await raw.expect(T.Puback)).packetId, 2);
  const [ev] = await events.take(1);
  t.like(JSON.parse(ev.payload), { event: 'fault', kind: 'drop', client: 'dev-1' });
  t.true(lines.some((l) => /dev-1 !! FAULT drop/.test(l)));
  const other = await RawClient.open(t, b.port);
  await other.connect('other');
  publish(other, 'd/x', 'c', 1, 1);
  t.is((await other.expect(T.Puback)).packetId, 1, 'clients that do not match are untouched');
});

test('drop pubrec and pubcomp: the QoS 2 exchange stalls where told', async (t) => {
  const { b, control } = await bench(t);
  await control('drop', { packet: 'pubrec', client: 'dev-q', count: 1 });
  await control('drop', { packet: 'pubcomp', client: 'dev-q', count: 1 });
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-q');
  publish(raw, 'q/x', 'a', 2, 1);
  t.true(await raw.quiet(120), 'no PUBREC');
  publish(raw, 'q/x', 'a', 2, 1); // resent: PUBREC now
  await raw.expect(T.Pubrec);
  raw.send(T.Pubrel, (p) => { p.packetId = 1; });
  t.true(await raw.quiet(120), 'no PUBCOMP');
  raw.send(T.Pubrel, (p) => { p.packetId = 1; });
  await raw.expect(T.Pubcomp);
});

test('close now and close after N packets (runtime)', async (t) => {
  const { b, control } = await bench(t);
  const now = await RawClient.open(t, b.port);
  await now.connect('dev-now');
  const later = await RawClient.open(t, b.port);
  await later.connect('dev-later');
  await control('close', { client: 'dev-now' });
  t.is((await now.expect(T.Disconnect)).reasonCode, 0x98);
  await now.waitClosed();
  await control('close', { client: 'dev-later', after: 2 });
  later.send(T.Pingreq);
  await later.expect(T.Pingresp);
  later.send(T.Pingreq);
  t.is((await later.expect(T.Disconnect)).reasonCode, 0x98);
  await later.waitClosed();
});

test('duplicate: each outgoing PUBLISH and PUBREL is sent twice, with DUP on the copy', async (t) => {
  const { b, control } = await bench(t);
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-d');
  subscribe(raw, 'dd', 2);
  await raw.expect(T.Suback);
  await control('duplicate', { client: 'dev-d', count: 3 });
  const pub = await client(t, b.port, { protocolVersion: 5 });
  await pub.publishAsync('dd', 'once', { qos: 2 });
  const a = await raw.expect(T.Publish);
  const c = await raw.expect(T.Publish);
  t.is(a.packetId, c.packetId);
  t.false(a.dup);
  t.true(c.dup);
  raw.send(T.Pubrec, (p) => { p.packetId = a.packetId; });
  await raw.expect(T.Pubrel);
  await raw.expect(T.Pubrel);
});

test('refuse: CONNECT is answered with the chosen reason code', async (t) => {
  const { b, control } = await bench(t);
  await control('refuse', { client: 'dev-r', reason: 0x8a });
  const raw = await RawClient.open(t, b.port);
  t.is((await raw.connect('dev-r')).reasonCode, 0x8a);
  await raw.waitClosed();
  const v3 = await RawClient.open(t, b.port, 4);
  t.not((await v3.connect('dev-r')).reasonCode, 0, '3.1.1 clients get the nearest return code');
});

test('nopong: PINGREQ goes unanswered', async (t) => {
  const { b, control } = await bench(t);
  await control('nopong', { client: 'dev-p', count: 1 });
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-p');
  raw.send(T.Pingreq);
  t.true(await raw.quiet(150));
  raw.send(T.Pingreq);
  await raw.expect(T.Pingresp);
});

test('only an authorised bench client may publish to $bench/fault: others get PUBACK 0x87', async (t) => {
  const { b } = await bench(t);
  const evil = await RawClient.open(t, b.port);
  await evil.connect('evil');
  evil.send(T.Publish, (p) => {
    p.setTopic(...bytes('$bench/fault/close'));
    p.setPayload(...bytes('{}'));
    p.qos = 1;
    p.packetId = 1;
  });
  t.is((await evil.expect(T.Puback)).reasonCode, 0x87);
  t.is(b.broker.faults.rules.length, 0);
});

test('a bad control message is reported on $bench/events, and clear removes rules', async (t) => {
  const { b, control } = await bench(t);
  const bad = await control('explode', {});
  t.is(bad.event, 'error');
  t.regex(bad.error, /unknown fault kind/);
  await control('nopong', { client: 'x' });
  t.is(b.broker.faults.rules.length, 1);
  const cleared = await control('clear', {});
  t.is(cleared.count, 1);
});
