// The companion broker bridging into a real mosquitto: topics out, in and both with prefixes,
// QoS 1 and 2, retained messages, and messages published here while mosquitto is down arriving
// once it is back.
import test, { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { parseBridgeSpec } from '../../src/broker/bridge-config.js';
import { Companion, eventually, Mosquitto, mosquittoMissing, Peer, tempDir } from './peers.js';

const missing = mosquittoMissing();

/** `--bridge` for the companion: to mosquitto, reconnecting every second. */
function bridgeTo(m: Mosquitto, topics: string[], extra: string[] = []): string {
  return ['up:address=127.0.0.1:' + m.port, ...topics.map((t) => 'topic=' + t), 'restart_timeout=1', 'remote_clientid=xs-up', ...extra].join(',');
}

async function bridged(t: ExecutionContext, m: Mosquitto, spec: string): Promise<Companion> {
  const c = await Companion.start(t, { bridges: [parseBridgeSpec(spec)] });
  await eventually(() => c.running!.broker.retained.get('$SYS/broker/connection/xs-up/state')?.payload.toString() === '1', 10000, 'the bridge connected');
  return c;
}

for (const version of ['mqttv311', 'mqttv50']) {
  test(`to mosquitto (${version}): out, in and both with prefixes, QoS 1 and 2, retained both ways`, async (t) => {
    if (missing) return void t.pass(`SKIP: ${missing}`);
    const m = await Mosquitto.start(t);
    const c = await bridged(t, m, bridgeTo(m, ['sensors/# out 1 local/ remote/', 'cmd/# in 2 dev/ site/', 'chat/# both 2'], [`bridge_protocol_version=${version}`]));
    const remote = await Peer.connect(t, m.port, { clientId: 'r' });
    await remote.c.subscribeAsync({ 'remote/#': { qos: 2 }, 'chat/#': { qos: 2 } });
    const local = await Peer.connect(t, c.port, { clientId: 'l' });
    await local.c.subscribeAsync({ 'dev/#': { qos: 2 }, 'chat/#': { qos: 2 } });
    await new Promise((r) => setTimeout(r, 200)); // the bridge's remote SUBSCRIBE is on its way

    await local.c.publishAsync('local/sensors/a', 'out-1', { qos: 2 });
    await local.c.publishAsync('local/sensors/keep', 'kept-out', { qos: 1, retain: true });
    await local.c.publishAsync('chat/x', 'from-local', { qos: 2 });
    await remote.c.publishAsync('site/cmd/b', 'in-2', { qos: 2 });
    await remote.c.publishAsync('site/cmd/keep', 'kept-in', { qos: 1, retain: true });
    await remote.c.publishAsync('chat/y', 'from-remote', { qos: 1 });
    await remote.c.publishAsync('elsewhere/z', 'not-bridged', { qos: 1 });

    await remote.until((g) => g.length >= 4, 5000, 'four messages at mosquitto');
    await local.until((g) => g.length >= 4, 5000, 'four messages here');
    // The topic's QoS 1 caps the message's 2; prefixes swapped; retained kept as retained by the remote.
    t.deepEqual(remote.got.find((x) => x.topic === 'remote/sensors/a'), { topic: 'remote/sensors/a', payload: 'out-1', qos: 1, retain: false });
    t.deepEqual(remote.on('chat/x'), ['from-local']);
    t.deepEqual(remote.on('chat/y'), ['from-remote']);
    t.deepEqual(local.got.find((x) => x.topic === 'dev/cmd/b'), { topic: 'dev/cmd/b', payload: 'in-2', qos: 2, retain: false });
    t.deepEqual(local.on('chat/y'), ['from-remote']);
    t.deepEqual(local.on('chat/x'), ['from-local']);
    t.false(local.got.some((x) => x.topic.includes('elsewhere')));
    t.false(remote.got.some((x) => x.topic.startsWith('site/') || x.topic.startsWith('local/')));

    // Retained on each side: a later subscriber gets the other side's retained message as retained.
    const late = await Peer.connect(t, m.port, { clientId: 'late-r' });
    await late.c.subscribeAsync('remote/sensors/keep', { qos: 1 });
    t.deepEqual((await late.until((g) => g.length >= 1, 5000, 'retained at mosquitto'))[0], { topic: 'remote/sensors/keep', payload: 'kept-out', qos: 1, retain: true });
    await eventually(() => c.running!.broker.retained.has('dev/cmd/keep'), 5000, 'retained here');
    const lateLocal = await Peer.connect(t, c.port, { clientId: 'late-l' });
    await lateLocal.c.subscribeAsync('dev/cmd/keep', { qos: 2 });
    t.deepEqual((await lateLocal.until((g) => g.length >= 1, 5000, 'retained here'))[0], { topic: 'dev/cmd/keep', payload: 'kept-in', qos: 1, retain: true });
  });
}

test('to mosquitto: QoS 1 and 2 published here while mosquitto is down arrive once it is back', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  const c = await bridged(t, m, bridgeTo(m, ['sensors/# out 2 local/ remote/']));
  // A persistent subscriber at mosquitto: its session is in mosquitto's persistence file.
  const remote = await Peer.connect(t, m.port, { clientId: 'r', clean: false, resubscribe: false });
  await remote.c.subscribeAsync('remote/#', { qos: 2 });
  const local = await Peer.connect(t, c.port, { clientId: 'p' });
  await local.c.publishAsync('local/sensors/warm', 'w', { qos: 1 });
  await remote.until((g) => g.length >= 1, 5000, 'the first message');

  await m.stop();
  const sent = ['q1-a', 'q1-b', 'q2-a', 'q2-b'];
  for (const p of sent) await local.c.publishAsync(`local/sensors/${p.slice(0, 2)}`, p, { qos: p.startsWith('q1') ? 1 : 2 });
  const bridge = c.running!.bridges[0];
  t.is(bridge.counts.out, 5, 'the bridge holds the four messages for mosquitto');
  const session = c.running!.broker.sessions.get('local.xs-up')!;
  t.is(session.inflight.size, 4, 'and has not acknowledged them here');
  await new Promise((r) => setTimeout(r, 300));
  await m.restart();

  await remote.until((g) => sent.every((p) => g.some((x) => x.payload === p)), 15000, 'the four messages after the restart');
  const got = remote.got.filter((x) => sent.includes(x.payload));
  t.deepEqual([...new Set(got.map((x) => x.payload))].sort(), sent);
  t.deepEqual(got.filter((x) => x.payload.startsWith('q2')).map((x) => x.qos), [2, 2]);
  t.log(`duplicates after the restart: ${got.length - sent.length}`);
  // Nothing left unacknowledged in the bridge's session here.
  await eventually(() => session.inflight.size === 0, 5000, 'the local session emptied');
});

test('to mosquitto: what the bridge had not delivered survives a restart of the companion broker (its store)', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  const spec = bridgeTo(m, ['sensors/# out 2 local/ remote/']);
  const c = await Companion.start(t, { bridges: [parseBridgeSpec(spec)], storeFile: join(tempDir(t, 'bridge-store'), 'broker.db') });
  await eventually(() => c.running!.broker.retained.get('$SYS/broker/connection/xs-up/state')?.payload.toString() === '1', 10000, 'the bridge connected');
  const remote = await Peer.connect(t, m.port, { clientId: 'r', clean: false, resubscribe: false });
  await remote.c.subscribeAsync('remote/#', { qos: 2 });
  await m.stop();
  const local = await Peer.connect(t, c.port, { clientId: 'p', reconnectPeriod: 0 });
  const sent = ['q1-a', 'q2-a'];
  for (const p of sent) await local.c.publishAsync(`local/sensors/${p.slice(0, 2)}`, p, { qos: p.startsWith('q1') ? 1 : 2 });
  t.is(c.running!.broker.sessions.get('local.xs-up')!.inflight.size, 2, 'acknowledged to the publisher, held for mosquitto');
  local.c.end(true);
  await c.stop();
  await c.restart();
  await m.restart();
  await remote.until((g) => sent.every((p) => g.some((x) => x.payload === p)), 15000, 'both messages after both restarts');
  t.deepEqual([...new Set(remote.got.map((x) => x.payload))].sort(), sent);
});

test('to mosquitto: messages for an in topic sent while the companion broker is down arrive after its restart', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  const spec = bridgeTo(m, ['cmd/# in 2']);
  const c = await Companion.start(t, { bridges: [parseBridgeSpec(spec)], storeFile: join(tempDir(t, 'bridge-store'), 'broker.db') });
  await eventually(() => c.running!.broker.retained.get('$SYS/broker/connection/xs-up/state')?.payload.toString() === '1', 10000, 'the bridge connected');
  const local = await Peer.connect(t, c.port, { clientId: 'l', clean: false, resubscribe: false });
  await local.c.subscribeAsync('cmd/#', { qos: 2 });
  const remote = await Peer.connect(t, m.port, { clientId: 'p' });
  await new Promise((r) => setTimeout(r, 200));
  await remote.c.publishAsync('cmd/warm', 'w', { qos: 1 });
  await local.until((g) => g.length >= 1, 5000, 'the first message');

  await c.stop();
  const sent = ['q1-a', 'q2-a'];
  for (const p of sent) await remote.c.publishAsync(`cmd/${p.slice(0, 2)}`, p, { qos: p.startsWith('q1') ? 1 : 2 });
  await c.restart();
  await local.until((g) => sent.every((p) => g.some((x) => x.payload === p)), 15000, 'both messages after the restart');
  t.deepEqual([...new Set(local.got.filter((x) => sent.includes(x.payload)).map((x) => x.payload))].sort(), sent);
});
