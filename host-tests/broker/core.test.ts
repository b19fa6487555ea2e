// The broker against MQTT.js in 3.1.1 and 5.0: QoS flows, retained messages, wills, sessions.
import test from 'ava';
import { until } from '../wait.js';
import { broker, client, collect, RawClient, roundTrip } from './helpers.js';

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 5 ? 'v5' : 'v3.1.1';

  test(`${v}: QoS 0, 1 and 2 are delivered at min(publish, subscription) QoS`, async (t) => {
    const b = await broker(t);
    const sub = await client(t, b.port, { protocolVersion, clientId: 'sub' });
    const got = collect(sub);
    await sub.subscribeAsync('q/+', { qos: 1 });
    const pub = await client(t, b.port, { protocolVersion, clientId: 'pub' });
    await pub.publishAsync('q/0', 'zero', { qos: 0 });
    await pub.publishAsync('q/1', 'one', { qos: 1 });
    await pub.publishAsync('q/2', 'two', { qos: 2 });
    const msgs = await got.take(3);
    const byTopic = Object.fromEntries(msgs.map((m) => [m.topic, m]));
    t.is(byTopic['q/0'].packet.qos, 0);
    t.is(byTopic['q/1'].packet.qos, 1);
    t.is(byTopic['q/2'].packet.qos, 1, 'downgraded to the subscription QoS');
    t.is(byTopic['q/2'].payload, 'two');
  });

  test(`${v}: QoS 2 subscription receives QoS 2 through PUBREC/PUBREL/PUBCOMP`, async (t) => {
    const b = await broker(t);
    const sub = await client(t, b.port, { protocolVersion, clientId: 's2' });
    const got = collect(sub);
    let pubcomps = 0;
    sub.on('packetsend', (p) => { if (p.cmd === 'pubcomp') pubcomps++; });
    await sub.subscribeAsync('x', { qos: 2 });
    const pub = await client(t, b.port, { protocolVersion });
    for (let i = 0; i < 20; i++) await pub.publishAsync('x', String(i), { qos: 2 });
    const msgs = await got.take(20);
    t.deepEqual(msgs.map((m) => m.payload), Array.from({ length: 20 }, (_, i) => String(i)));
    t.true(msgs.every((m) => m.packet.qos === 2));
    // Every PUBCOMP written, then a round trip: the broker has handled them all.
    await until(() => pubcomps === 20, 'the 20th PUBCOMP');
    await roundTrip(sub);
    t.is(b.broker.sessions.get('s2')!.inflight.size, 0, 'every exchange completed');
  });

  test(`${v}: retained messages are stored, replaced, cleared and sent with retain set`, async (t) => {
    const b = await broker(t);
    const pub = await client(t, b.port, { protocolVersion });
    await pub.publishAsync('r/a', 'old', { qos: 1, retain: true });
    await pub.publishAsync('r/a', 'new', { qos: 1, retain: true });
    await pub.publishAsync('r/b', 'b', { qos: 1, retain: true });
    await pub.publishAsync('r/b', '', { qos: 1, retain: true });
    const sub = await client(t, b.port, { protocolVersion });
    const got = collect(sub);
    await sub.subscribeAsync('r/#', { qos: 1 });
    const [m] = await got.take(1);
    t.is(m.topic, 'r/a');
    t.is(m.payload, 'new');
    t.true(m.packet.retain);
    await pub.publishAsync('r/a', 'live', { qos: 0, retain: true });
    const [, live] = await got.take(2);
    t.false(live.packet.retain, 'retain is 0 on an established subscription');
    await roundTrip(sub);
    t.is(got.list.length, 2);
  });

  test(`${v}: a will is published on an abnormal close and not after DISCONNECT`, async (t) => {
    const b = await broker(t);
    const watcher = await client(t, b.port, { protocolVersion });
    const got = collect(watcher);
    await watcher.subscribeAsync('will/#');
    const graceful = await client(t, b.port, { protocolVersion, clientId: 'g', will: { topic: 'will/g', payload: Buffer.from('g'), qos: 1, retain: false } });
    await graceful.endAsync();
    // Its end handled (a will would have gone out then) before the crash.
    await until(() => ![...b.broker.connections].some((c) => c.clientId === 'g'), 'the broker to close g');
    const crash = await client(t, b.port, { protocolVersion, clientId: 'c', will: { topic: 'will/c', payload: Buffer.from('gone'), qos: 1, retain: false } });
    crash.stream.destroy();
    const [m] = await got.take(1);
    t.is(m.topic, 'will/c');
    t.is(m.payload, 'gone');
    await roundTrip(watcher);
    t.is(got.list.length, 1);
  });

  test(`${v}: a persistent session keeps subscriptions and queues QoS 1 while offline`, async (t) => {
    const b = await broker(t);
    const props = protocolVersion === 5 ? { properties: { sessionExpiryInterval: 60 } } : {};
    const sub = await client(t, b.port, { protocolVersion, clientId: 'p', clean: false, ...props });
    await sub.subscribeAsync('p/#', { qos: 1 });
    await sub.endAsync();
    const pub = await client(t, b.port, { protocolVersion });
    for (let i = 0; i < 3; i++) await pub.publishAsync('p/x', `m${i}`, { qos: 1 });
    await pub.publishAsync('p/x', 'q0', { qos: 0 });
    await roundTrip(pub); // the QoS 0 message handled while the subscriber is offline
    const again = await mqttConnect(t, b.port, { protocolVersion, clientId: 'p', clean: false, ...props });
    t.true(again.sessionPresent);
    const got = again.got;
    const msgs = await got.take(3);
    t.deepEqual(msgs.map((m) => m.payload), ['m0', 'm1', 'm2']);
    await roundTrip(again.c);
    t.is(got.list.length, 3, 'QoS 0 is not queued for an offline client');
  });

  test(`${v}: clean start discards the previous session`, async (t) => {
    const b = await broker(t);
    const props = protocolVersion === 5 ? { properties: { sessionExpiryInterval: 60 } } : {};
    const a = await client(t, b.port, { protocolVersion, clientId: 'cs', clean: false, ...props });
    await a.subscribeAsync('cs/x', { qos: 1 });
    await a.endAsync();
    const again = await mqttConnect(t, b.port, { protocolVersion, clientId: 'cs', clean: true });
    t.false(again.sessionPresent);
    const pub = await client(t, b.port, { protocolVersion });
    await pub.publishAsync('cs/x', 'nobody', { qos: 1 });
    await roundTrip(again.c);
    t.is(again.got.list.length, 0);
  });

  test(`${v}: client-id takeover closes the old connection`, async (t) => {
    const b = await broker(t);
    const raw = await RawClient.open(t, b.port, protocolVersion);
    await raw.connect('same');
    await client(t, b.port, { protocolVersion, clientId: 'same' });
    if (protocolVersion === 5) {
      const d = await raw.expect(14);
      t.is(d.reasonCode, 0x8e);
    }
    await raw.waitClosed();
    t.is(b.broker.stats.connected, 1);
  });
}

async function mqttConnect(t: import('ava').ExecutionContext, port: number, opts: import('mqtt').IClientOptions) {
  const mqtt = (await import('mqtt')).default;
  const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, ...opts });
  t.teardown(() => { c.end(true); });
  const got = collect(c);
  const connack = await new Promise<import('mqtt').IConnackPacket>((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  });
  return { c, got, sessionPresent: connack.sessionPresent };
}

test('v3.1.1: an empty client id gets an id with clean session, and is refused without', async (t) => {
  const b = await broker(t);
  const ok = await RawClient.open(t, b.port, 4);
  t.is((await ok.connect('')).reasonCode, 0);
  const refused = await RawClient.open(t, b.port, 4);
  const ack = await refused.connect('', (p) => { p.cleanStart = false; });
  t.is(ack.reasonCode, 0x85, 'identifier rejected (3.1.1 return code 2)');
  await refused.waitClosed();
});

test('MQTT 3.1 (MQIsdp) clients connect and publish', async (t) => {
  const b = await broker(t);
  const sub = await client(t, b.port, { protocolVersion: 3, protocolId: 'MQIsdp', clientId: 'old' });
  const got = collect(sub);
  await sub.subscribeAsync('old/t', { qos: 1 });
  await sub.publishAsync('old/t', 'hello', { qos: 1 });
  t.is((await got.take(1))[0].payload, 'hello');
});
