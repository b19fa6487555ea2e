// The Node client against mosquitto on loopback, over TCP, in MQTT 3.1.1 and 5.
import test from 'ava';
import { connect, connectAsync, MqttClient, parseUrl, type ClientOptions } from '../../src/node/index.js';
import { startMosquitto } from '../peers/mosquitto.js';
import { freePort, type RunningBroker } from '../peers/proc.js';
import { next, startProxy, until } from './helpers.js';

let broker: RunningBroker;
test.before(async () => { broker = await startMosquitto(); });
test.after.always(async () => { await broker?.stop(); });

const url = (): string => `mqtt://127.0.0.1:${broker.port}`;

async function open(t: import('ava').ExecutionContext, options: ClientOptions): Promise<MqttClient> {
  const c = await connectAsync(url(), options);
  t.teardown(() => c.endAsync(true));
  return c;
}

for (const version of [4, 5] as const) {
  test(`v${version}: subscribes, receives QoS 0/1/2 in order, unsubscribes`, async (t) => {
    const c = await open(t, { protocolVersion: version });
    const got: string[] = [];
    c.on('message', (topic, payload, info) => got.push(`${topic} ${payload.toString()} q${info.qos}`));
    const granted = await c.subscribeAsync([`v${version}/q/#`, `v${version}/fence`], { qos: 2 });
    t.deepEqual(granted, [{ topic: `v${version}/q/#`, qos: 2 }, { topic: `v${version}/fence`, qos: 2 }]);
    await c.publishAsync(`v${version}/q/a`, 'zero');
    await c.publishAsync(`v${version}/q/b`, Buffer.from('one'), { qos: 1 });
    await c.publishAsync(`v${version}/q/c`, 'two', { qos: 2 });
    await until(c, 'message', () => got.length === 3);
    t.deepEqual(got, [`v${version}/q/a zero q0`, `v${version}/q/b one q1`, `v${version}/q/c two q2`]);
    await c.unsubscribeAsync(`v${version}/q/#`);
    await c.publishAsync(`v${version}/q/d`, 'gone', { qos: 1 });
    await c.publishAsync(`v${version}/fence`, 'fence', { qos: 1 });
    await until(c, 'message', () => got.length === 4);
    t.is(got[3], `v${version}/fence fence q1`);
  });

  test(`v${version}: a retained message reaches a later subscriber with the retain flag`, async (t) => {
    const a = await open(t, { protocolVersion: version });
    await a.publishAsync(`v${version}/retained`, 'kept', { qos: 1, retain: true });
    const b = await open(t, { protocolVersion: version });
    const msg = next<[string, Buffer, { retain: boolean }]>(b, 'message');
    await b.subscribeAsync(`v${version}/retained`, { qos: 1 });
    const [topic, payload, info] = await msg;
    t.is(topic, `v${version}/retained`);
    t.is(payload.toString(), 'kept');
    t.true(info.retain);
    await a.publishAsync(`v${version}/retained`, '', { qos: 1, retain: true });
  });

  test(`v${version}: publishes made before the connection are queued and sent once connected`, async (t) => {
    const sub = await open(t, { protocolVersion: version });
    const got: string[] = [];
    sub.on('message', (_topic, payload) => got.push(payload.toString()));
    await sub.subscribeAsync(`v${version}/early`, { qos: 1 });
    const c = connect(url(), { protocolVersion: version });
    t.teardown(() => c.endAsync(true));
    const done = Promise.all([c.publishAsync(`v${version}/early`, 'first', { qos: 1 }), c.publishAsync(`v${version}/early`, 'second', { qos: 0 })]);
    t.false(c.connected);
    await done;
    await until(sub, 'message', () => got.length === 2);
    t.deepEqual(got, ['first', 'second']);
  });

  test(`v${version}: reconnects after the connection is cut and subscribes again`, async (t) => {
    const proxy = await startProxy(broker.port);
    t.teardown(() => proxy.close());
    const c = await connectAsync(`mqtt://127.0.0.1:${proxy.port}`, { protocolVersion: version, reconnectPeriod: 50, reconnectJitter: 0 });
    t.teardown(() => c.endAsync(true));
    await c.subscribeAsync(`v${version}/again`, { qos: 1 });
    const events: string[] = [];
    for (const e of ['offline', 'close', 'reconnect', 'connect'] as const) c.on(e, () => events.push(e));
    const back = next(c, 'connect', 5000);
    proxy.cut();
    await back;
    t.deepEqual(events, ['offline', 'close', 'reconnect', 'connect']);
    t.is(proxy.connections, 2);
    const msg = next<[string, Buffer]>(c, 'message');
    const pub = await open(t, { protocolVersion: version });
    // The SUBSCRIBE sent again after CONNACK may still be on its way: publish until it lands.
    const timer = setInterval(() => { pub.publishAsync(`v${version}/again`, 'after', { qos: 1 }).catch(() => undefined); }, 50);
    t.teardown(() => clearInterval(timer));
    const [topic, payload] = await msg;
    t.is(`${topic} ${payload.toString()}`, `v${version}/again after`);
  });

  test(`v${version}: a message larger than the receive buffer arrives whole (received in pieces)`, async (t) => {
    const c = await open(t, { protocolVersion: version, capacities: { receiveBufferSize: 1024 } });
    const big = Buffer.alloc(50000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const got: Buffer[] = [];
    c.on('message', (_topic, payload) => got.push(payload));
    await c.subscribeAsync(`v${version}/big`, { qos: 1 });
    const sender = await open(t, { protocolVersion: version });
    await sender.publishAsync(`v${version}/big`, big, { qos: 1 });
    await sender.publishAsync(`v${version}/big`, 'small', { qos: 1 });
    await until(c, 'message', () => got.length === 2);
    t.true(got[0].equals(big));
    t.is(got[1].toString(), 'small');
  });

  test(`v${version}: an invalid topic or filter is refused with its reason code`, async (t) => {
    const c = await open(t, { protocolVersion: version });
    const e1 = await t.throwsAsync(c.publishAsync('a/+', 'x'));
    t.regex(e1!.message, /Topic Name invalid \(0x90\)/);
    const e2 = await t.throwsAsync(c.subscribeAsync('a/#/b'));
    t.regex(e2!.message, /Topic Filter invalid \(0x8f\)/);
  });
}

test('v5: message properties and CONNACK properties come through', async (t) => {
  const c = await open(t, { protocolVersion: 5 });
  // mosquitto 2 states its limits in CONNACK.
  t.is(c.connack?.reasonCode, 0);
  t.is(typeof c.connack?.properties?.topicAliasMaximum, 'number');
  const msg = next<[string, Buffer, { properties?: Record<string, unknown> }]>(c, 'message');
  await c.subscribeAsync('props/x', { qos: 1 });
  await c.publishAsync('props/x', 'p', {
    qos: 1,
    properties: {
      contentType: 'text/plain', responseTopic: 'props/reply', correlationData: Buffer.from([1, 2, 3]),
      userProperties: { a: '1', b: ['2', '3'] }, payloadFormatIndicator: 1, messageExpiryInterval: 60,
    },
  });
  const [, , info] = await msg;
  const p = info.properties!;
  t.is(p.contentType, 'text/plain');
  t.is(p.responseTopic, 'props/reply');
  t.deepEqual(p.correlationData, Buffer.from([1, 2, 3]));
  t.deepEqual(p.userProperties, { a: '1', b: ['2', '3'] });
  t.is(p.payloadFormatIndicator, 1);
  t.true((p.messageExpiryInterval as number) > 0 && (p.messageExpiryInterval as number) <= 60);
});

test('a refused connection rejects connectAsync with the reason code text', async (t) => {
  const closed = await startMosquitto({ extraConfig: ['allow_anonymous false'] });
  t.teardown(() => closed.stop());
  for (const version of [4, 5] as const) {
    const err = await t.throwsAsync(connectAsync(`mqtt://u:p@127.0.0.1:${closed.port}`, { protocolVersion: version }));
    t.regex(err!.message, /connection refused: Not authorized \(0x87\)|Bad User Name or Password \(0x86\)/);
  }
});

test('nothing listening: connectAsync rejects with the socket error, and end() stops retrying', async (t) => {
  const port = await freePort();
  const err = await t.throwsAsync(connectAsync(`mqtt://127.0.0.1:${port}`));
  t.regex(err!.message, /ECONNREFUSED/);
  const c = connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 20 });
  c.on('error', () => undefined);
  await next(c, 'reconnect');
  await c.endAsync();
  t.true(c.ended);
  const attempts = c.attempts;
  await new Promise((r) => setTimeout(r, 100));
  t.is(c.attempts, attempts);
});

test('end() sends DISCONNECT: the will is not published, and pending promises settle', async (t) => {
  const watcher = await open(t, { protocolVersion: 5 });
  const wills: string[] = [];
  watcher.on('message', (topic) => wills.push(topic));
  await watcher.subscribeAsync('will/#');
  const a = await connectAsync(url(), { protocolVersion: 5, will: { topic: 'will/a', payload: 'gone' } });
  await a.endAsync();
  const b = await connectAsync(url(), { protocolVersion: 5, will: { topic: 'will/b', payload: 'gone' }, reconnectPeriod: 0 });
  await b.endAsync(true); // no DISCONNECT: the will is published
  await until(watcher, 'message', () => wills.length === 1);
  t.deepEqual(wills, ['will/b']);
  await t.throwsAsync(a.publishAsync('x', 'y'), { message: /ended/ });
});

test('parseUrl reads scheme, credentials, host, port and path', (t) => {
  t.deepEqual(parseUrl('mqtt://user:p%40ss@example.com:1884'), { protocol: 'mqtt', host: 'example.com', port: 1884, path: '', username: 'user', password: 'p@ss' });
  t.like(parseUrl('mqtts://h'), { protocol: 'mqtts', port: 8883 });
  t.like(parseUrl('ws://h/mqtt'), { protocol: 'ws', port: 80, path: '/mqtt' });
  t.like(parseUrl('wss://[::1]:9001/p'), { protocol: 'wss', host: '::1', port: 9001, path: '/p' });
  t.like(parseUrl('tcp://h'), { protocol: 'mqtt', port: 1883 });
  t.throws(() => parseUrl('http://h'), { message: /unsupported URL scheme/ });
  t.throws(() => parseUrl('nonsense'), { message: /invalid URL/ });
});
