// A real mosquitto bridging into the companion broker (a `connection` section pointing here):
// both directions, retained messages, QoS 1 and 2, no echo on a `both` topic, and messages
// mosquitto holds while the companion broker is down delivered once it is back with its store.
import test, { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { Companion, eventually, Mosquitto, mosquittoMissing, Peer, tempDir } from './peers.js';

const missing = mosquittoMissing();

/** The companion broker with its store, and mosquitto bridged into it once it is up. */
async function pair(t: ExecutionContext, extra: string[]): Promise<{ c: Companion; m: Mosquitto }> {
  const c = await Companion.start(t, { storeFile: join(tempDir(t, 'bridge-store'), 'broker.db') });
  const m = await Mosquitto.start(t, [
    'connection xs', `address 127.0.0.1:${c.port}`, 'topic up/# out 2', 'topic down/# in 2', 'topic both/# both 1',
    'cleansession false', 'remote_clientid mosq-xs', 'restart_timeout 1', ...extra,
  ]);
  await bridgeUp(c);
  return { c, m };
}

/** mosquitto's bridge is connected here and has subscribed. */
async function bridgeUp(c: Companion): Promise<void> {
  await eventually(() => {
    const s = c.running?.broker.sessions.get('mosq-xs');
    return s !== undefined && s.conn !== null && s.conn.connected && s.subs.has('down/#');
  }, 10000, 'mosquitto\'s bridge connected and subscribed');
}

/** Name, mosquitto's lines, whether it marks itself a bridge (and so gets live retained messages as retained). */
const VARIANTS: [string, string[], boolean][] = [
  ['3.1.1, try_private (the bridge mark)', [], true],
  ['3.1.1, try_private false', ['try_private false'], false],
  ['MQTT 5', ['bridge_protocol_version mqttv50'], false],
];

for (const [name, extra, marked] of VARIANTS) {
  const v5 = extra.includes('bridge_protocol_version mqttv50');
  test(`from mosquitto (${name}): both directions, retained, QoS 1 and 2, the echo on a both topic`, async (t) => {
    if (missing) return void t.pass(`SKIP: ${missing}`);
    const { c, m } = await pair(t, extra);
    t.is(c.running!.broker.sessions.get('mosq-xs')!.conn!.bridge, marked, 'the bridge mark is seen when mosquitto sends it');
    const here = await Peer.connect(t, c.port, { clientId: 's' });
    await here.c.subscribeAsync({ 'up/#': { qos: 2 }, 'both/#': { qos: 2 } });
    const there = await Peer.connect(t, m.port, { clientId: 'r' });
    await there.c.subscribeAsync({ 'down/#': { qos: 2 }, 'both/#': { qos: 2 } });

    await there.c.publishAsync('up/1', 'u1', { qos: 1 });
    await there.c.publishAsync('up/2', 'u2', { qos: 2 });
    await there.c.publishAsync('up/keep', 'kept-up', { qos: 1, retain: true });
    await there.c.publishAsync('both/m', 'bm', { qos: 1 });
    await here.c.publishAsync('down/1', 'd1', { qos: 2 });
    await here.c.publishAsync('down/keep', 'kept-down', { qos: 1, retain: true });
    await here.c.publishAsync('both/c', 'bc', { qos: 1 });

    await here.until((g) => g.length >= 5, 5000, 'five messages here');
    await there.until((g) => g.length >= 4, 5000, 'four messages at mosquitto');
    t.deepEqual(here.got.find((x) => x.topic === 'up/2'), { topic: 'up/2', payload: 'u2', qos: 2, retain: false });
    t.is(here.got.find((x) => x.topic === 'up/1')?.qos, 1);
    t.deepEqual(there.got.find((x) => x.topic === 'down/1'), { topic: 'down/1', payload: 'd1', qos: 2, retain: false });
    // Retained on each side as retained.
    await eventually(() => c.running!.broker.retained.get('up/keep')?.payload.toString() === 'kept-up', 5000, 'up/keep retained here');
    const late = await Peer.connect(t, m.port, { clientId: 'late' });
    await late.c.subscribeAsync('down/keep', { qos: 1 });
    if (marked || v5) {
      t.deepEqual((await late.until((g) => g.length >= 1, 5000, 'down/keep at mosquitto'))[0], { topic: 'down/keep', payload: 'kept-down', qos: 1, retain: true });
    } else {
      // MQTT-3.3.1-9: a 3.1.1 client gets a live message with retain 0, and mosquitto keeps only what comes retained.
      await new Promise((r) => setTimeout(r, 300));
      t.deepEqual(late.got, [], 'a plain 3.1.1 bridge does not carry live retained messages as retained');
    }
    // A `both` topic: each message once on each side. Unmarked 3.1.1 has no no-local: this broker
    // sends mosquitto's message back to it once, and mosquitto sends nothing from a bridge back over it.
    await new Promise((r) => setTimeout(r, 500));
    const echoed = marked || v5 ? ['bm'] : ['bm', 'bm'];
    t.deepEqual([here.on('both/m'), here.on('both/c'), there.on('both/m'), there.on('both/c')], [['bm'], ['bc'], echoed, ['bc']]);
  });
}

test('from mosquitto: QoS 1 and 2 held by mosquitto while the companion broker restarts arrive after, from its store', async (t) => {
  if (missing) return void t.pass(`SKIP: ${missing}`);
  const { c, m } = await pair(t, []);
  const here = await Peer.connect(t, c.port, { clientId: 's', clean: false, resubscribe: false });
  await here.c.subscribeAsync('up/#', { qos: 2 });
  const there = await Peer.connect(t, m.port, { clientId: 'r', clean: false, resubscribe: false });
  await there.c.subscribeAsync('down/#', { qos: 2 });
  await there.c.publishAsync('up/warm', 'w', { qos: 1 });
  await here.until((g) => g.length >= 1, 5000, 'the first message');

  await c.stop();
  const sent = ['q1-a', 'q1-b', 'q2-a', 'q2-b'];
  for (const p of sent) await there.c.publishAsync(`up/${p.slice(0, 2)}`, p, { qos: p.startsWith('q1') ? 1 : 2 });
  await new Promise((r) => setTimeout(r, 300));
  await c.restart();
  await bridgeUp(c);

  await here.until((g) => sent.every((p) => g.some((x) => x.payload === p)), 15000, 'the four messages after the restart');
  const got = here.got.filter((x) => sent.includes(x.payload));
  t.deepEqual([...new Set(got.map((x) => x.payload))].sort(), sent);
  t.log(`duplicates after the restart: ${got.length - sent.length}`);
  // And the other way: the bridge's subscription here came back from the store.
  await here.c.publishAsync('down/after', 'd-after', { qos: 2 });
  await there.until((g) => g.some((x) => x.payload === 'd-after'), 5000, 'a message out after the restart');
});
