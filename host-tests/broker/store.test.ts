// --store: retained messages and persistent sessions (subscriptions, queued and in-flight QoS 1/2
// messages) survive a broker restart on the same SQLite file; expired sessions do not; without
// --store nothing does.
import test, { ExecutionContext } from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, ListenOptions, RunningBroker, SqliteStore } from '../../src/broker/index.js';
import { parseArgs } from '../../src/broker/cli.js';
import { PropertyId } from '../../src/core/codec/constants.js';
import { client, collect, RawClient, publish, subscribe } from './helpers.js';

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'broker.db');
}

async function start(t: ExecutionContext, options: ListenOptions): Promise<RunningBroker> {
  const b = await startBroker({ port: 0, sysInterval: 0, ...options });
  t.teardown(() => b.close());
  return b;
}

/** A client whose message handler is attached before CONNACK (queued messages follow it at once). */
function connectCollecting(t: ExecutionContext, port: number, opts: mqtt.IClientOptions): Promise<{ c: mqtt.MqttClient; got: ReturnType<typeof collect>; ack: mqtt.IConnackPacket }> {
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  t.teardown(() => { c.end(true); });
  const got = collect(c);
  return new Promise((resolve, reject) => {
    c.once('connect', (ack) => resolve({ c, got, ack }));
    c.once('error', reject);
  });
}

for (const version of [4, 5] as const) {
  const persistent = (id: string): mqtt.IClientOptions => ({
    clientId: id, clean: false, protocolVersion: version,
    ...(version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
  });

  test(`v${version}: retained messages, the subscription and queued QoS 1/2 messages survive a restart`, async (t) => {
    const storeFile = tempDb(t);
    const b1 = await start(t, { storeFile });
    const pub = await client(t, b1.port, { protocolVersion: version });
    await pub.publishAsync('r/a', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('r/c', 'cleared', { qos: 1, retain: true });
    await pub.publishAsync('r/c', '', { qos: 1, retain: true });
    const sub = await client(t, b1.port, persistent(`dur-${version}`));
    await sub.subscribeAsync('q/#', { qos: 2 });
    await sub.endAsync();
    await pub.publishAsync('q/1', 'one', { qos: 1 });
    await pub.publishAsync('q/2', 'two', { qos: 2 });
    await pub.publishAsync('q/3', 'zero', { qos: 0 });
    await pub.endAsync();
    await b1.close();

    const b2 = await start(t, { storeFile });
    t.deepEqual([...b2.broker.retained.keys()], ['r/a']);
    const { got, ack } = await connectCollecting(t, b2.port, persistent(`dur-${version}`));
    t.true(ack.sessionPresent);
    const queued = await got.take(2);
    t.deepEqual(queued.map((m) => [m.topic, m.payload, m.packet.qos]), [['q/1', 'one', 1], ['q/2', 'two', 2]]);
    // The subscription came back too: a new message reaches it without subscribing again.
    const pub2 = await client(t, b2.port, { protocolVersion: version });
    await pub2.publishAsync('q/4', 'four', { qos: 1 });
    const all = await got.take(3);
    t.deepEqual([all[2].topic, all[2].payload], ['q/4', 'four']);
    t.deepEqual(got.list.map((m) => m.topic), ['q/1', 'q/2', 'q/4']);
    // The retained message is sent to a new subscriber, with the retain flag.
    const fresh = await client(t, b2.port, { protocolVersion: version });
    const freshGot = collect(fresh);
    await fresh.subscribeAsync('r/#', { qos: 1 });
    const [r] = await freshGot.take(1);
    t.deepEqual([r.topic, r.payload, r.packet.retain], ['r/a', 'kept', true]);
  });

  test(`v${version}: unacknowledged messages are resent with DUP (and PUBREL again) after a restart`, async (t) => {
    const storeFile = tempDb(t);
    const b1 = await start(t, { storeFile });
    const id = `inflight-${version}`;
    const persist = (p: { cleanStart: boolean; props: { setNumber(id: number, v: number): void } }): void => {
      p.cleanStart = false;
      if (version === 5) p.props.setNumber(PropertyId.SessionExpiryInterval, 3600);
    };
    const raw = await RawClient.open(t, b1.port, version);
    t.is((await raw.connect(id, persist)).reasonCode, 0);
    subscribe(raw, 'd/#', 2);
    await raw.expect(9);
    const pub = await client(t, b1.port, { protocolVersion: version });
    await pub.publishAsync('d/1', 'q1', { qos: 1 });
    const p1 = await raw.expect(3);
    await pub.publishAsync('d/2', 'q2', { qos: 2 });
    const p2 = await raw.expect(3);
    t.deepEqual([p1.qos, p1.dup, p2.qos, p2.dup], [1, false, 2, false]);
    raw.send(5, (p) => { p.packetId = p2.packetId; }); // PUBREC, no PUBCOMP will follow
    t.is((await raw.expect(6)).packetId, p2.packetId);
    await pub.endAsync();
    await b1.close();

    const b2 = await start(t, { storeFile });
    const raw2 = await RawClient.open(t, b2.port, version);
    t.true((await raw2.connect(id, persist)).sessionPresent);
    const again = await raw2.expect(3);
    t.deepEqual([again.topic, again.payload, again.qos, again.dup, again.packetId], ['d/1', 'q1', 1, true, p1.packetId]);
    t.is((await raw2.expect(6)).packetId, p2.packetId);
    // Acknowledged now: a third broker on the file has nothing left for the client.
    raw2.send(4, (p) => { p.packetId = p1.packetId; });
    raw2.send(7, (p) => { p.packetId = p2.packetId; }); // PUBCOMP
    publish(raw2, 'sync/x', 'x', 1, 77);
    await raw2.expect(4);
    await b2.close();
    const b3 = await start(t, { storeFile });
    const s3 = b3.broker.sessions.get(id);
    t.deepEqual([s3?.subs.size, s3?.inflight.size, s3?.queue.length], [1, 0, 0]);
  });
}

test('an expired session is not restored', async (t) => {
  const storeFile = tempDb(t);
  const b1 = await start(t, { storeFile });
  const sub = await client(t, b1.port, { clientId: 'short', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
  await sub.subscribeAsync('e/#', { qos: 1 });
  await sub.endAsync();
  const pub = await client(t, b1.port, { protocolVersion: 5 });
  await pub.publishAsync('e/1', 'x', { qos: 1 });
  await pub.endAsync();
  t.is(b1.broker.sessions.get('short')?.queue.length, 1);
  await b1.close();
  // Pretend the client left 61 s ago: its 60 s expiry has passed by the time the broker restarts.
  const s = new SqliteStore(storeFile);
  s.saveSession('short', 60, Date.now() - 61000);
  s.close();
  const b2 = await start(t, { storeFile });
  t.false(b2.broker.sessions.has('short'));
  // The row is gone from the file once the start's transaction is committed.
  await new Promise((resolve) => setImmediate(resolve));
  const reader = new SqliteStore(storeFile);
  t.deepEqual(reader.loadSessions().map((r) => r.clientId), []);
  reader.close();
  const { got, ack } = await connectCollecting(t, b2.port, { clientId: 'short', clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 60 } });
  t.false(ack.sessionPresent);
  const pub2 = await client(t, b2.port, { protocolVersion: 5 });
  await pub2.publishAsync('e/2', 'y', { qos: 1 });
  t.is(b2.broker.sessions.get('short')?.subs.size, 0);
  t.deepEqual(got.list, []);
});

test('without --store nothing persists', async (t) => {
  const b1 = await start(t, {});
  t.false(b1.broker.store.persistent);
  const pub = await client(t, b1.port);
  await pub.publishAsync('r/a', 'kept', { qos: 1, retain: true });
  const sub = await client(t, b1.port, { clientId: 'mem', clean: false });
  await sub.subscribeAsync('q/#', { qos: 1 });
  await sub.endAsync();
  await pub.publishAsync('q/1', 'one', { qos: 1 });
  t.is(b1.broker.sessions.get('mem')?.queue.length, 1);
  await b1.close();
  const b2 = await start(t, {});
  t.is(b2.broker.retained.size, 0);
  const { ack } = await connectCollecting(t, b2.port, { clientId: 'mem', clean: false });
  t.false(ack.sessionPresent);
});

test('--store FILE sets storeFile', (t) => {
  t.is(parseArgs(['--store', '/tmp/x.db']).options.storeFile, '/tmp/x.db');
  t.is(parseArgs(['--store=y.db']).options.storeFile, 'y.db');
  t.is(parseArgs([]).options.storeFile, undefined);
});
