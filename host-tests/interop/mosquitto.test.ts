// Interop with a real mosquitto (Debian's package) started on a free loopback port per test
// and stopped after it: the core session over the minimal Node TCP adapter.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { startMosquitto } from '../peers/mosquitto.js';
import { connectClient, makeClient, pub, stopClient, sub, type TestClient } from './client.js';
import { utf8 } from '../../src/core/session/index.js';

async function broker(t: ExecutionContext, extra: string[] = []): Promise<number> {
  const b = await startMosquitto({ extraConfig: extra });
  t.teardown(() => b.stop());
  return b.port;
}

function cleanup(t: ExecutionContext, ...clients: TestClient[]): void {
  t.teardown(async () => { for (const c of clients) await stopClient(c); });
}

for (const version of [4, 5]) {
  const v = version === 5 ? '5.0' : '3.1.1';

  test(`mosquitto ${v}: QoS 0/1/2 publish and subscribe`, async (t) => {
    const port = await broker(t);
    const a = await connectClient(port, `sub-${version}`, { version });
    const b = await connectClient(port, `pub-${version}`, { version });
    cleanup(t, a, b);
    t.deepEqual(await sub(a, 'q/#', 2), [2]);
    const handles = [0, 1, 2].map((q) => pub(b, `q/${q}`, `m${q}`, q));
    t.true(handles.every((h) => h > 0));
    await a.rec.until(() => a.rec.messages.length === 3, 5000, 'three messages');
    t.deepEqual(a.rec.messages.map((m) => [m.topic, m.payload, m.qos]).sort(), [['q/0', 'm0', 0], ['q/1', 'm1', 1], ['q/2', 'm2', 2]]);
    await b.rec.until(() => b.rec.done.length === 2, 5000, 'QoS 1 and 2 completions');
    t.deepEqual(b.rec.done.map((d) => d[1]), [0, 0]);
  });

  test(`mosquitto ${v}: retained message delivered to a later subscriber`, async (t) => {
    const port = await broker(t);
    const b = await connectClient(port, `rp-${version}`, { version });
    cleanup(t, b);
    pub(b, 'r/1', 'kept', 1, true);
    await b.rec.until(() => b.rec.done.length === 1);
    const a = await connectClient(port, `rs-${version}`, { version });
    cleanup(t, a);
    await sub(a, 'r/#', 1);
    await a.rec.until(() => a.rec.messages.length === 1);
    t.deepEqual(a.rec.messages[0], { topic: 'r/1', payload: 'kept', qos: 1, retain: true, dup: false });
  });

  test(`mosquitto ${v}: will published on abrupt close`, async (t) => {
    const port = await broker(t);
    const w = await connectClient(port, `will-${version}`, { version, willTopic: utf8('wills/x'), willPayload: utf8('gone'), willQos: 1 });
    const a = await connectClient(port, `ws-${version}`, { version });
    cleanup(t, a);
    await sub(a, 'wills/#', 1);
    w.client.driver.abort(); // no DISCONNECT, no reconnect
    await a.rec.until(() => a.rec.messages.length === 1, 5000, 'will');
    t.is(a.rec.messages[0].payload, 'gone');
    w.client.clock.dispose();
  });

  test(`mosquitto ${v}: persistent session redelivers QoS 1/2 queued while away`, async (t) => {
    const port = await broker(t);
    const opts = { version, cleanStart: false, sessionExpiry: 3600 };
    const a = await connectClient(port, `ps-${version}`, opts);
    await sub(a, 'p/#', 2);
    await stopClient(a);
    const b = await connectClient(port, `pp-${version}`, { version });
    cleanup(t, b);
    pub(b, 'p/1', 'one', 1);
    pub(b, 'p/2', 'two', 2);
    await b.rec.until(() => b.rec.done.length === 2);
    const a2 = await connectClient(port, `ps-${version}`, opts);
    cleanup(t, a2);
    t.true(a2.rec.connacks[0].sessionPresent);
    await a2.rec.until(() => a2.rec.messages.length === 2, 5000, 'redelivery');
    t.deepEqual(a2.rec.messages.map((m) => [m.payload, m.qos]).sort(), [['one', 1], ['two', 2]]);
  });
}

test('mosquitto 5.0: server keep alive (max_keepalive) overrides the client; PINGREQ answered', async (t) => {
  const port = await broker(t, ['max_keepalive 10']);
  const a = await connectClient(port, 'ka', { version: 5, keepAlive: 60 });
  cleanup(t, a);
  t.is(a.client.session.limits.keepAlive, 10);
  // Make the interval due now rather than waiting 10 s of wall time: PINGREQ goes out, PINGRESP comes back.
  const s = a.client.session;
  s.keepAlive.lastSent -= 10000;
  a.client.driver.onTimer();
  t.true(s.keepAlive.pingSent >= 0);
  const deadline = Date.now() + 3000;
  while (s.keepAlive.pingSent >= 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  t.is(s.keepAlive.pingSent, -1);
  t.deepEqual(a.rec.closes, []);
});

test('mosquitto 5.0: outbound topic aliases (mosquitto sends none back; inbound resolution is covered by the scripted tests)', async (t) => {
  const port = await broker(t, ['max_topic_alias 4']);
  const a = await connectClient(port, 'al-sub', { version: 5 });
  const b = await connectClient(port, 'al-pub', { version: 5 });
  cleanup(t, a, b);
  await sub(a, 'alias/#', 1);
  for (let i = 0; i < 5; i++) pub(b, 'alias/topic/long/name', `n${i}`, 1);
  await a.rec.until(() => a.rec.messages.length === 5, 5000, 'five messages');
  await b.rec.until(() => b.rec.done.length === 5, 5000, 'five completions');
  t.is(b.client.session.outAliases.count, 1);
  t.true(a.rec.messages.every((m) => m.topic === 'alias/topic/long/name'));
  t.deepEqual(b.rec.done.map((d) => d[1]), [0, 0, 0, 0, 0]);
});

test('mosquitto 5.0: receive maximum (max_inflight_messages) limits the window, all complete', async (t) => {
  const port = await broker(t, ['max_inflight_messages 2']);
  const b = await connectClient(port, 'rm', { version: 5 });
  cleanup(t, b);
  t.is(b.client.session.limits.receiveMaximum, 2);
  let maxInflight = 0;
  const s = b.client.session;
  const orig = s.written.bind(s);
  s.written = (n: number) => { orig(n); maxInflight = Math.max(maxInflight, s.store.inflight); };
  for (let i = 0; i < 10; i++) pub(b, 'rm/t', `m${i}`, i % 2 === 0 ? 1 : 2);
  await b.rec.until(() => b.rec.done.length === 10, 5000, 'ten completions');
  t.true(maxInflight <= 2);
  // 0x10: no matching subscribers, a success code.
  t.true(b.rec.done.every((d) => d[1] === 0 || d[1] === 0x10));
});
