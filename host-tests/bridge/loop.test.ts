// Loop prevention on a `both` bridge: a message goes across once and does not come back, or
// (a 3.1.1 peer that does not take the bridge mark) comes back once and stops there.
import test from 'ava';
import { parseBridgeSpec } from '../../src/broker/bridge-config.js';
import { parseFaultSpec } from '../../src/broker/faults.js';
import { Companion, eventually, Mosquitto, mosquittoMissing, Peer } from './peers.js';

const missing = mosquittoMissing();
const N = 5;

/** Publishes N messages on each side of a `both` bridge, waits, and counts what each side got. */
async function countBoth(t: import('ava').ExecutionContext, remotePort: number, extra: string[]): Promise<{ here: number; there: number; stats: { out: number; in: number } }> {
  const spec = [`loop:address=127.0.0.1:${remotePort}`, 'topic=ping/# both 1', 'restart_timeout=1', 'remote_clientid=xs-loop', ...extra].join(',');
  const c = await Companion.start(t, { bridges: [parseBridgeSpec(spec)] });
  await eventually(() => c.running!.broker.retained.get('$SYS/broker/connection/xs-loop/state')?.payload.toString() === '1', 10000, 'the bridge connected');
  const here = await Peer.connect(t, c.port, { clientId: 'h' });
  const there = await Peer.connect(t, remotePort, { clientId: 't' });
  await here.c.subscribeAsync('ping/#', { qos: 1 });
  await there.c.subscribeAsync('ping/#', { qos: 1 });
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < N; i++) {
    await here.c.publishAsync('ping/here', `h${i}`, { qos: 1 });
    await there.c.publishAsync('ping/there', `t${i}`, { qos: 1 });
  }
  await here.until((g) => g.length >= 2 * N, 5000, 'every message here');
  // Long enough for a loop to go round many times over loopback.
  await new Promise((r) => setTimeout(r, 1000));
  const b = c.running!.bridges[0];
  return { here: here.got.length, there: there.got.length, stats: { out: b.counts.out, in: b.counts.in } };
}

test('both to mosquitto, 3.1.1 with try_private: no echo', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  t.deepEqual(await countBoth(t, m.port, []), { here: 2 * N, there: 2 * N, stats: { out: N, in: N } });
});

test('both to mosquitto, MQTT 5 (no local): no echo', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  t.deepEqual(await countBoth(t, m.port, ['bridge_protocol_version=mqttv50']), { here: 2 * N, there: 2 * N, stats: { out: N, in: N } });
});

test('both to mosquitto, plain 3.1.1 (try_private false): each message comes back once, never again', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const m = await Mosquitto.start(t);
  // The remote sends the bridge's own messages back; the local subscription's no-local stops them there.
  t.deepEqual(await countBoth(t, m.port, ['try_private=false']), { here: 3 * N, there: 2 * N, stats: { out: N, in: 2 * N } });
});

test('both to another companion broker: the bridge mark stops the echo', async (t) => {
  const remote = await Companion.start(t);
  t.deepEqual(await countBoth(t, remote.port, []), { here: 2 * N, there: 2 * N, stats: { out: N, in: N } });
  t.true(remote.running!.broker.sessions.get('xs-loop')!.conn!.bridge);
});

test('a remote that refuses the bridge mark is retried without it; the echo then comes back once', async (t) => {
  const remote = await Companion.start(t, { faults: [parseFaultSpec('refuse:reason=0x84,client=xs-loop,count=1')] });
  t.deepEqual(await countBoth(t, remote.port, []), { here: 3 * N, there: 2 * N, stats: { out: N, in: 2 * N } });
  t.false(remote.running!.broker.sessions.get('xs-loop')!.conn!.bridge);
  t.is(remote.running!.broker.faults.rules[0].count, 0, 'the refusal happened');
});
