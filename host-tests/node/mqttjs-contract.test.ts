// MQTT.js's API contract where users rely on it, checked against the companion broker: callback
// and Async forms, MQTT.js's property names, failures that never end the process, and Node-sized
// defaults (a burst of QoS 1 messages, a message larger than the send buffer). One test runs
// the client on a scripted transport and virtual time, with no socket.
import test, { type ExecutionContext } from 'ava';
import { startBroker } from '../../src/broker/index.js';
import mqtt, { connectAsync, MqttClient, MqttError, type ClientOptions, type Granted, type MessageInfo } from '../../src/node/index.js';
import { ScriptedTransport, VirtualClientClock } from './scripted-peer.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { decodeClientBody, Framer, Packet, Properties } from '../../src/core/codec/index.js';
import { propertiesObject } from '../../src/node/client/properties.js';
import { next, REPO, runToEnd, until } from './helpers.js';

let broker: Awaited<ReturnType<typeof startBroker>>;
test.before(async () => { broker = await startBroker({ port: 0 }); });
test.after.always(async () => { await broker?.close(); });

const url = (): string => `mqtt://127.0.0.1:${broker.port}`;

async function open(t: ExecutionContext, options: ClientOptions = {}): Promise<MqttClient> {
  const c = await connectAsync(url(), { reconnectPeriod: 0, ...options });
  t.teardown(() => c.endAsync(true));
  return c;
}

test('the default export has connect, connectAsync and MqttClient, as `import mqtt from "mqtt"`', (t) => {
  t.is(typeof mqtt.connect, 'function');
  t.is(typeof mqtt.connectAsync, 'function');
  t.is(mqtt.MqttClient, MqttClient);
});

test('callback forms: subscribe cb(null, granted), publish cb(), unsubscribe cb(), end cb(); each returns the client', async (t) => {
  const c = mqtt.connect(url(), { reconnectPeriod: 0 });
  await new Promise((resolve) => c.once('connect', resolve));
  const got: string[] = [];
  c.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  const steps: string[] = [];
  const granted = await new Promise<Granted[] | undefined>((resolve, reject) => {
    const r = c.subscribe('cb/#', { qos: 1 }, (err, g) => (err ? reject(err) : resolve(g)));
    steps.push(r === c ? 'subscribe returns the client' : 'subscribe returns something else');
  });
  t.deepEqual(granted, [{ topic: 'cb/#', qos: 1 }]);
  await new Promise<void>((resolve, reject) => {
    const r = c.publish('cb/a', 'one', { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    steps.push(r === c ? 'publish returns the client' : 'publish returns something else');
  });
  // publish(topic, message, callback): the options may be left out.
  await new Promise<void>((resolve, reject) => c.publish('cb/b', 'two', (err) => (err ? reject(err) : resolve())));
  await until(c, 'message', () => got.length === 2);
  t.deepEqual(got, ['cb/a one', 'cb/b two']);
  await new Promise<void>((resolve, reject) => {
    const r = c.unsubscribe('cb/#', (err) => (err ? reject(err) : resolve()));
    steps.push(r === c ? 'unsubscribe returns the client' : 'unsubscribe returns something else');
  });
  await new Promise<void>((resolve) => {
    const r = c.end(() => resolve());
    steps.push(r === c ? 'end returns the client' : 'end returns something else');
  });
  t.true(c.ended);
  t.deepEqual(steps, ['subscribe', 'publish', 'unsubscribe', 'end'].map((s) => `${s} returns the client`));
});

test('Async forms: subscribeAsync resolves with [{ topic, qos }], publishAsync on PUBACK, unsubscribeAsync, endAsync', async (t) => {
  const c = await open(t);
  const granted = await c.subscribeAsync({ 'as/one': { qos: 1 }, 'as/two': { qos: 2 } });
  t.deepEqual(granted, [{ topic: 'as/one', qos: 1 }, { topic: 'as/two', qos: 2 }]);
  const received = new Promise<[string, Buffer, MessageInfo]>((resolve) => c.once('message', (...a) => resolve(a)));
  await c.publishAsync('as/one', 'hello', { qos: 1 });
  const [topic, payload, packet] = await received;
  t.is(topic, 'as/one');
  t.is(payload.toString(), 'hello');
  // The third argument reads as MQTT.js's packet too.
  t.is(packet.topic, 'as/one');
  t.is(packet.payload?.toString(), 'hello');
  await c.unsubscribeAsync(['as/one', 'as/two']);
  await c.endAsync();
  t.true(c.ended);
});

test('MQTT 5 properties as MQTT.js names them: PUBLISH userProperties and boolean payloadFormatIndicator, SUBSCRIBE properties.subscriptionIdentifier', async (t) => {
  const c = await open(t, { protocolVersion: 5 });
  await c.subscribeAsync('props/#', { qos: 1, properties: { subscriptionIdentifier: 42 } });
  const received = new Promise<MessageInfo>((resolve) => c.once('message', (_t, _p, info) => resolve(info)));
  await c.publishAsync('props/a', 'x', { qos: 1, properties: { payloadFormatIndicator: true, userProperties: { k: 'v', many: ['1', '2'] }, contentType: 'text/plain' } });
  const info = await received;
  t.is(info.properties?.subscriptionIdentifier, 42);
  t.deepEqual(info.properties?.userProperties, { k: 'v', many: ['1', '2'] });
  t.is(info.properties?.payloadFormatIndicator, 1);
  t.is(info.properties?.contentType, 'text/plain');
});

test('CONNECT properties.sessionExpiryInterval keeps the session: a QoS 1 message sent while away arrives on return', async (t) => {
  const options: ClientOptions = { protocolVersion: 5, clientId: 'contract-expiry', clean: false, properties: { sessionExpiryInterval: 300 } };
  const a = await open(t, options);
  await a.subscribeAsync('expiry/t', { qos: 1 });
  await a.endAsync();
  const p = await open(t, { protocolVersion: 5 });
  await p.publishAsync('expiry/t', 'kept', { qos: 1 });
  const b = mqtt.connect(url(), { ...options, reconnectPeriod: 0 });
  t.teardown(() => b.endAsync(true));
  const received = new Promise<string>((resolve) => b.once('message', (_t, payload) => resolve(payload.toString())));
  const [ack] = await new Promise<[{ sessionPresent: boolean }]>((resolve) => b.once('connect', (...x) => resolve(x)));
  t.true(ack.sessionPresent);
  t.is(await received, 'kept');
});

test('after end(): publish calls back with an error, publishAsync rejects, and nothing is left unhandled', async (t) => {
  const c = await open(t);
  await c.endAsync();
  const err = await new Promise<Error | null | undefined>((resolve) => c.publish('late', 'x', { qos: 1 }, (e) => resolve(e)));
  t.regex(String(err?.message), /ended/);
  await t.throwsAsync(c.publishAsync('late', 'x'), { message: /ended/ });
  await t.throwsAsync(c.subscribeAsync('late'), { message: /ended/ });
  const subErr = await new Promise<Error | null>((resolve) => c.subscribe('late', (e) => resolve(e)));
  t.truthy(subErr);
  // No callback and no 'error' listener: nothing throws, no rejection goes unhandled (ava would fail the run).
  c.publish('late', 'x');
  c.subscribe('late');
  c.unsubscribe('late');
  // With a listener, the failure comes as an 'error' event, as MQTT.js does.
  const seen = new Promise<Error>((resolve) => c.once('error', resolve));
  c.publish('late', 'x');
  t.regex((await seen).message, /ended/);
  await new Promise((resolve) => setImmediate(resolve));
});

test('a connection that fails: an "error" event (an MqttError with its code) for a listener', async (t) => {
  // 3.1.1 forbids an empty client id without a clean session (MQTT-3.1.3-7): the client gives up with 0x85.
  const c = mqtt.connect(url(), { reconnectPeriod: 0, clientId: '', clean: false });
  const seen = new Promise<Error>((resolve) => c.once('error', resolve));
  t.is(((await seen) as MqttError).reasonCode, 0x85);
  await c.endAsync();
});

test('a connection error with no "error" listener throws, as Node\'s EventEmitter (and MQTT.js) does', async (t) => {
  // Nothing listens on port 1. In a child process: the unhandled 'error' ends it.
  const program = (listen: boolean): string => [
    `import { connect } from ${JSON.stringify(pathToFileURL(join(REPO, 'dist/src/node/index.js')).href)};`,
    `const c = connect('mqtt://127.0.0.1:1', { reconnectPeriod: 0 });`,
    listen ? `c.on('error', (e) => console.log('heard', e.code));` : '',
    `c.once('close', () => { console.log('closed'); c.end(); });`,
  ].join('\n');
  const unheard = await runToEnd(t, process.execPath, ['--input-type=module', '-e', program(false)]);
  t.not(unheard.code, 0);
  t.regex(unheard.stderr, /ECONNREFUSED/);
  const heard = await runToEnd(t, process.execPath, ['--input-type=module', '-e', program(true)]);
  t.is(heard.code, 0, heard.stderr);
  t.is(heard.stdout, 'heard ECONNREFUSED\nclosed\n');
});

test('1,000 QoS 1 publishes not awaited all succeed with the default capacities', async (t) => {
  const sub = await open(t);
  await sub.subscribeAsync('burst/#', { qos: 1 });
  let count = 0;
  sub.on('message', () => count++);
  const c = await open(t);
  const all: Promise<void>[] = [];
  for (let i = 0; i < 1000; i++) all.push(c.publishAsync(`burst/${i % 7}`, `m${i}`, { qos: 1 }));
  const results = await Promise.allSettled(all);
  const failed = results.filter((r) => r.status === 'rejected');
  t.is(failed.length, 0, failed.length > 0 ? String((failed[0] as PromiseRejectedResult).reason) : '');
  await until(sub, 'message', () => count === 1000, 30000);
  t.is(count, 1000);
});

test('publishes made while offline wait beyond the session queue, in order; queueLimit bounds them (0x97)', async (t) => {
  const sub = await open(t);
  await sub.subscribeAsync('offline/#', { qos: 1 });
  const got: string[] = [];
  sub.on('message', (_t, p) => got.push(p.toString()));
  const c = mqtt.connect(url(), { reconnectPeriod: 0, capacities: { queueCount: 4, inflight: 2 }, queueLimit: 10 });
  t.teardown(() => c.endAsync(true));
  const all: Promise<void>[] = [];
  for (let i = 0; i < 15; i++) all.push(c.publishAsync('offline/t', `m${i}`, { qos: 1 }));
  const results = await Promise.allSettled(all);
  const refused = results.filter((r) => r.status === 'rejected').map((r) => ((r as PromiseRejectedResult).reason as MqttError).reasonCode);
  // 4 in the session, 10 waiting in the client, the last refused.
  t.deepEqual(refused, [0x97]);
  await until(sub, 'message', () => got.length === 14, 10000);
  t.deepEqual(got, Array.from({ length: 14 }, (_, i) => `m${i}`));
});

for (const qos of [0, 1] as const) {
  test(`a 100 KB QoS ${qos} message goes out through the 64 KiB send buffer and arrives whole`, async (t) => {
    const sub = await open(t);
    await sub.subscribeAsync('big/#', { qos: 1 });
    const received = new Promise<Buffer>((resolve) => sub.once('message', (_t, p) => resolve(p)));
    const c = await open(t);
    t.is(c.session.opts.sendBufferSize, 65536);
    const body = Buffer.alloc(100 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 255;
    await c.publishAsync('big/one', body, { qos });
    // Smaller messages published after it still go through.
    await c.publishAsync('big/two', 'after', { qos: 1 });
    t.true((await received).equals(body));
  });
}

test('the client runs on a scripted transport and virtual time: a SUBACK that never comes fails subscribe after ackTimeout', async (t) => {
  const transport = new ScriptedTransport();
  const clock = new VirtualClientClock();
  const c = mqtt.connect({ transport, clock, ackTimeout: 5000, keepalive: 0, reconnectPeriod: 0 });
  await new Promise((resolve) => setImmediate(resolve));
  t.is(transport.types()[0], 1, 'CONNECT written');
  transport.respond([0x20, 0x02, 0x00, 0x00]);
  t.true(c.connected);
  let outcome = 'pending';
  c.subscribe('never/acked', { qos: 1 }, (err) => { outcome = err === null ? 'granted' : err.message; });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(transport.types(), [1, 8], 'SUBSCRIBE written');
  clock.advance(4999);
  await new Promise((resolve) => setImmediate(resolve));
  t.is(outcome, 'pending');
  clock.advance(1);
  await new Promise((resolve) => setImmediate(resolve));
  t.regex(outcome, /timed out: no SUBACK within 5000 ms/);
  await c.endAsync(true);
});

/** The packets a client wrote, framed and decoded by the codec (MQTT 5). */
function decodeSent(bytes: number[] | Buffer): Packet[] {
  const buf = Uint8Array.from(bytes);
  // All the bytes at once, in a buffer that holds them: each packet's offsets stay valid.
  const framer = new Framer(buf.length + 2, null, decodeClientBody);
  framer.version = 5;
  if (framer.push(buf, 0, buf.length) !== buf.length) throw new Error('the framer did not take every byte');
  const out: Packet[] = [];
  for (;;) {
    const p = new Packet(8, 8, 2);
    const rc = framer.next(p);
    if (rc === 0) break;
    if (rc < 0) throw new Error(`undecodable packet type ${p.type}: -0x${(-rc).toString(16)}`);
    out.push(p);
  }
  if (framer.fill !== framer.start) throw new Error(`${framer.fill - framer.start} bytes left over`);
  return out;
}

function userOf(p: Properties): Record<string, unknown> | undefined {
  return (propertiesObject(p) as { userProperties?: Record<string, unknown> }).userProperties;
}

/** A TCP relay in front of the broker that keeps what clients send it. */
async function relay(t: ExecutionContext): Promise<{ port: number; sent: Buffer[] }> {
  const sent: Buffer[] = [];
  const server = createServer((s) => {
    const up = createConnection(broker.port, '127.0.0.1');
    s.on('data', (d: Buffer) => { sent.push(d); up.write(d); });
    up.on('data', (d: Buffer) => s.write(d));
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, sent };
}

test('MQTT 5 user properties as MQTT.js names them reach the broker: CONNECT, will (with responseTopic, correlationData), SUBSCRIBE, UNSUBSCRIBE', async (t) => {
  const r = await relay(t);
  const watcher = await open(t, { protocolVersion: 5 });
  await watcher.subscribeAsync('up/will', { qos: 1 });
  const c = await connectAsync(`mqtt://127.0.0.1:${r.port}`, {
    protocolVersion: 5, reconnectPeriod: 0, clientId: 'props-1',
    properties: { userProperties: { site: ['lab', 'roof'], app: 'test' } },
    will: { topic: 'up/will', payload: 'gone', qos: 1, properties: { responseTopic: 'up/reply', correlationData: Buffer.from([7, 7]), userProperties: { why: 'cut' } } },
  });
  t.teardown(() => c.endAsync(true));
  await c.subscribeAsync('up/a', { qos: 1, properties: { userProperties: { sub: '1' } } });
  await c.subscribeAsync('up/b', { qos: 0 });
  await c.unsubscribeAsync('up/a', { properties: { userProperties: { unsub: 'yes' } } });
  const sent = decodeSent(Buffer.concat(r.sent));
  const of = (type: number): Packet[] => sent.filter((p) => p.type === type);
  const [connect] = of(1);
  t.deepEqual(userOf(connect.props), { site: ['lab', 'roof'], app: 'test' });
  const will = propertiesObject(connect.willProps!);
  t.is(will.responseTopic, 'up/reply');
  t.deepEqual(will.correlationData, Buffer.from([7, 7]));
  t.deepEqual(will.userProperties, { why: 'cut' });
  const subs = of(8);
  t.is(subs.length, 2);
  t.deepEqual(userOf(subs[0].props), { sub: '1' });
  t.is(userOf(subs[1].props), undefined, 'a request without user properties carries none');
  t.deepEqual(userOf(of(10)[0].props), { unsub: 'yes' });
  // The broker kept the will's properties: the watcher gets them when the connection drops.
  const got = next<[string, Buffer, MessageInfo]>(watcher, 'message', 10000);
  await c.endAsync(true);
  const [topic, payload, info] = await got;
  t.is(`${topic} ${payload.toString()}`, 'up/will gone');
  t.is(info.properties?.responseTopic, 'up/reply');
  t.deepEqual(info.properties?.correlationData, Buffer.from([7, 7]));
  t.deepEqual(info.properties?.userProperties, { why: 'cut' });
});

test('CONNECT properties.authenticationMethod and authenticationData are sent; a CONNACK success is accepted, and the companion broker refuses the method (0x8C)', async (t) => {
  const transport = new ScriptedTransport();
  const clock = new VirtualClientClock();
  const c = mqtt.connect({ transport, clock, protocolVersion: 5, keepalive: 0, reconnectPeriod: 0,
    properties: { authenticationMethod: 'tok', authenticationData: Buffer.from([1, 2]), userProperties: { k: 'v' } } });
  await new Promise((resolve) => setImmediate(resolve));
  const [connect] = decodeSent(transport.sent);
  const props = propertiesObject(connect.props);
  t.is(props.authenticationMethod, 'tok');
  t.deepEqual(props.authenticationData, Buffer.from([1, 2]));
  t.deepEqual(props.userProperties, { k: 'v' });
  transport.respond([0x20, 0x03, 0x00, 0x00, 0x00]);
  t.true(c.connected);
  await c.endAsync(true);
  const err = await t.throwsAsync(connectAsync(url(), { protocolVersion: 5, reconnectPeriod: 0, properties: { authenticationMethod: 'tok' } }));
  t.is((err as MqttError).code, 0x8c);
  t.throws(() => mqtt.connect({ transport: new ScriptedTransport(), protocolVersion: 5, properties: { authenticationData: Buffer.from([1]) } }), { message: /authenticationData needs authenticationMethod/ });
});
