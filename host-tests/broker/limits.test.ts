// Limits on what clients may make the broker keep (persistent sessions, connections per
// address) and the accounting of every drop and refusal: stats, $SYS and the trace.
import test from 'ava';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { parseArgs } from '../../src/broker/cli.js';
import { broker, client, collect, publish, RawClient } from './helpers.js';

/** Opens a persistent session (v5, expiry 60 s, or 3.1.1 clean session 0) and returns the CONNACK's reason code. */
async function persistent(t: Parameters<typeof RawClient.open>[0], port: number, id: string, version = 5): Promise<number> {
  const raw = await RawClient.open(t, port, version);
  const ack = await raw.connect(id, (p) => {
    p.cleanStart = false;
    if (version === 5) p.props.setNumber(P.SessionExpiryInterval, 60);
  });
  raw.sock.destroy();
  return ack.reasonCode;
}

test('maxPersistentSessions: one more persistent session is CONNACK 0x97 (3.1.1: server unavailable), counted and traced', async (t) => {
  const lines: string[] = [];
  const b = await broker(t, { maxPersistentSessions: 2, onTrace: (line) => lines.push(line) });
  t.is(await persistent(t, b.port, 'p1'), 0);
  t.is(await persistent(t, b.port, 'p2', 4), 0);
  t.is(await persistent(t, b.port, 'p3'), 0x97);
  // 3.1.1 return code 3, which the codec reads back as 0x88.
  t.is(await persistent(t, b.port, 'p4', 4), 0x88);
  // A session already kept may come back; a session that ends at disconnect costs nothing.
  t.is(await persistent(t, b.port, 'p1'), 0);
  const clean = await RawClient.open(t, b.port);
  t.is((await clean.connect('c1')).reasonCode, 0);
  t.is(b.broker.stats.refused['session-total'], 2);
  t.true(lines.some((l) => l.includes('p3 !! REFUSE session-total')));
  t.is(b.broker.sessionLimits.count, 2);
});

test('sessionQuotas: persistent sessions per client-id pattern', async (t) => {
  const b = await broker(t, { sessionQuotas: [{ pattern: 'dev-*', max: 1 }] });
  t.is(await persistent(t, b.port, 'dev-1'), 0);
  t.is(await persistent(t, b.port, 'dev-2'), 0x97);
  t.is(await persistent(t, b.port, 'other-1'), 0);
  t.is(b.broker.stats.refused['session-quota'], 1);
  // An ended session frees its place.
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-1', (p) => { p.cleanStart = true; });
  raw.send(T.Disconnect);
  await raw.waitClosed();
  t.is(await persistent(t, b.port, 'dev-2'), 0);
});

test('maxConnectionsPerAddress: one more connection from the address is closed at once, counted', async (t) => {
  const b = await broker(t, { maxConnectionsPerAddress: 2 });
  const a = await RawClient.open(t, b.port);
  await a.connect('a1');
  const c = await RawClient.open(t, b.port);
  await c.connect('a2');
  const d = await RawClient.open(t, b.port);
  await d.waitClosed();
  t.is(b.broker.stats.refused.address, 1);
  a.sock.destroy();
  await a.waitClosed();
  const e = await RawClient.open(t, b.port);
  t.is((await e.connect('a3')).reasonCode, 0);
});

test('a message dropped for a full offline queue: counted by client and reason, in $SYS and the trace; PUBACK 0x97', async (t) => {
  const lines: string[] = [];
  const b = await broker(t, { maxQueued: 1, onTrace: (line) => lines.push(line) });
  await persistent(t, b.port, 'offline');
  const s = await RawClient.open(t, b.port);
  await s.connect('offline', (p) => { p.cleanStart = false; p.props.setNumber(P.SessionExpiryInterval, 60); });
  s.send(T.Subscribe, (p) => { p.packetId = 1; p.addFilter(Buffer.from('dq/#'), 0, 4, 1); });
  await s.expect(T.Suback);
  s.send(T.Disconnect);
  await s.waitClosed();
  const pub = await RawClient.open(t, b.port);
  await pub.connect('dq-pub');
  publish(pub, 'dq/1', 'a', 1, 1);
  t.is((await pub.expect(T.Puback)).reasonCode, 0);
  publish(pub, 'dq/2', 'b', 1, 2);
  t.is((await pub.expect(T.Puback)).reasonCode, 0x97);
  t.is(b.broker.stats.dropped['queue-full'], 1);
  t.is(b.broker.stats.droppedQueued, 1);
  t.true(lines.some((l) => l.includes('offline !! DROP queue-full t=dq/2')));
  const watcher = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(watcher);
  await watcher.subscribeAsync('$SYS/broker/publish/messages/dropped/queue-full');
  b.broker.publishSys();
  const [m] = await got.take(1);
  t.is(m.payload, '1');
});

test('every limit has a flag', (t) => {
  const { options } = parseArgs(['--max-connect-size', '1000', '--packet-timeout', '2000', '--min-byte-rate', '10',
    '--max-filters-per-packet', '50', '--max-user-properties', '20', '--max-persistent-sessions', '30',
    '--session-quota', 'dev-*=5', '--session-quota', 'x=1', '--max-connections-per-address', '4']);
  t.like(options, {
    maxConnectSize: 1000, packetTimeout: 2000, minByteRate: 10, maxFiltersPerPacket: 50, maxUserProperties: 20,
    maxPersistentSessions: 30, maxConnectionsPerAddress: 4,
  });
  t.deepEqual(options.sessionQuotas, [{ pattern: 'dev-*', max: 5 }, { pattern: 'x', max: 1 }]);
  t.throws(() => parseArgs(['--session-quota', 'dev-*']), { message: /PATTERN=N/ });
});
