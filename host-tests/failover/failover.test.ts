// Client failover against companion brokers on loopback: `servers` tried in turn, a dead node
// left for the next, the session resumed where the new node kept it and re-established where it
// did not, and MQTT 5 server redirection (0x9C, 0x9D with a Server Reference) followed.
import test, { type ExecutionContext } from 'ava';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeFault, startBroker, type RunningBroker } from '../../src/broker/index.js';
import type { TraceRecord } from '../../src/broker/trace.js';
import { PacketType, PropertyId } from '../../src/core/codec/constants.js';
import { connect, connectAsync, type ClientOptions, type MqttClient } from '../../src/node/index.js';
import { freePort } from '../peers/proc.js';
import { client as mqttjsClient, collect, encodeRecord } from '../broker/helpers.js';
import { until } from '../node/helpers.js';
import { until as waitUntil } from '../wait.js';

const HOST = '127.0.0.1';

interface Node {
  running: RunningBroker;
  port: number;
  /** PUBLISH packets the broker received, from the trace. */
  published: TraceRecord[];
}

async function node(t: ExecutionContext, faults: Parameters<typeof makeFault>[] = []): Promise<Node> {
  const published: TraceRecord[] = [];
  const running = await startBroker({
    port: 0, sysInterval: 0, faults: faults.map(([k, p]) => makeFault(k, p)),
    onTrace: (_line, r) => { if (r !== null && r.dir === 'in' && r.type === 'PUBLISH') published.push(r); },
  });
  t.teardown(() => running.close());
  return { running, port: running.port, published };
}

/** Failover client with short delays; ended with the test. */
function device(t: ExecutionContext, ports: number[], options: ClientOptions = {}): MqttClient {
  const c = connect({
    servers: ports.map((port) => ({ host: HOST, port })), reconnectPeriod: 50, reconnectPeriodMax: 400, connectTimeout: 2000, ...options,
  });
  c.on('error', () => undefined);
  t.teardown(() => c.endAsync(true));
  return c;
}

/** A loopback port on which nothing listens. */
async function deadPort(): Promise<number> {
  return freePort();
}

/** A scripted node: answers each connection with the packets `reply` encodes, then closes. */
async function scripted(t: ExecutionContext, reply: () => Buffer[]): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.once('data', () => {
      for (const b of reply()) s.write(b);
      s.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function withReference(type: number, reason: number, reference: string): Buffer {
  const ref = Buffer.from(reference);
  return encodeRecord(type, 5, (p) => {
    p.reasonCode = reason;
    p.props.setBytes(PropertyId.ServerReference, ref, 0, ref.length);
  }, new Uint8Array(512));
}

const connackOk = (): Buffer => encodeRecord(PacketType.Connack, 5, () => undefined, new Uint8Array(64));

test('a dead first server is skipped: the client connects to the next in the list', async (t) => {
  const dead = await deadPort();
  const b = await node(t);
  const c = device(t, [dead, b.port]);
  await until(c, 'connect', () => c.connected);
  t.is(c.server.port, b.port);
  t.true(c.attempts >= 2);
});

test('the first node dies: the client moves on, subscribes again, and resends the unacknowledged QoS 1 message', async (t) => {
  // b1 never acknowledges the device's PUBLISH, so the message is in flight when b1 goes.
  const b1 = await node(t, [['drop', { client: 'dev-1', packet: 'puback' }]]);
  const b2 = await node(t);
  const b3 = await node(t);
  const c = device(t, [b1.port, b2.port, b3.port], { clientId: 'dev-1', clean: false, protocolVersion: 5, sessionExpiryInterval: 300 });
  const got: string[] = [];
  c.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  await until(c, 'connect', () => c.connected);
  t.is(c.server.port, b1.port);
  await c.subscribeAsync('cmd/dev-1', { qos: 1 });
  const acked = c.publishAsync('data/dev-1', 'reading-1', { qos: 1 });
  await waitUntil(() => b1.published.length === 1, 'the PUBLISH at b1', 3000).catch(() => undefined);
  t.is(b1.published.length, 1, 'b1 received the PUBLISH (and dropped its PUBACK)');

  const watcher = await mqttjsClient(t, b2.port);
  const seen = collect(watcher);
  await watcher.subscribeAsync('data/#', { qos: 1 });
  await b1.running.close();
  await acked;
  t.is(c.server.port, b2.port, 'moved to the next node');
  t.false(c.connack?.sessionPresent, 'b2 had no session');
  const [m] = await seen.take(1, 5000);
  t.is(m.payload.toString(), 'reading-1');
  t.is(b2.published.length, 1);

  // The subscription was made again on b2: a command published there reaches the device.
  const commander = await mqttjsClient(t, b2.port);
  await commander.publishAsync('cmd/dev-1', 'blink', { qos: 1 });
  await until(c, 'message', () => got.length === 1);
  t.deepEqual(got, ['cmd/dev-1 blink']);
});

test('a node that kept the session: resumed with session present, the in-flight QoS 1 message resent with DUP', async (t) => {
  // Two listeners of one broker stand for two nodes of a cluster sharing session state.
  const b = await node(t, [['drop', { client: 'dev-2', packet: 'puback', count: 1 }]]);
  const second = createServer((s) => { b.running.broker.accept(s, 'tcp'); });
  await new Promise<void>((resolve) => second.listen(0, HOST, resolve));
  t.teardown(() => new Promise<void>((resolve) => second.close(() => resolve())));
  const port2 = (second.address() as AddressInfo).port;

  const c = device(t, [b.port, port2], { clientId: 'dev-2', clean: false, protocolVersion: 5, sessionExpiryInterval: 300 });
  await until(c, 'connect', () => c.connected);
  await c.subscribeAsync('cmd/dev-2', { qos: 1 });
  const acked = c.publishAsync('data/dev-2', 'reading-1', { qos: 1 });
  await waitUntil(() => b.published.length === 1, 'the PUBLISH at b', 3000).catch(() => undefined);
  t.is(b.published.length, 1);
  c.transport.abort();
  await acked;
  t.is(c.server.port, port2);
  t.true(c.connack?.sessionPresent, 'the session was kept');
  t.is(b.published.length, 2);
  t.not(b.published[0].dup, true);
  t.is(b.published[1].dup, true, 'resent with DUP (MQTT-3.3.1-1)');
});

test('serversOrder random still reaches the one live server; a bad serversOrder is refused', async (t) => {
  const b = await node(t);
  const c = device(t, [await deadPort(), await deadPort(), b.port], { serversOrder: 'random' });
  await until(c, 'connect', () => c.connected);
  t.is(c.server.port, b.port);
  t.throws(() => connect({ servers: [{ host: HOST, port: 1 }], serversOrder: 'sideways' as 'random' }), { message: /serversOrder/ });
});

test('CONNACK 0x9C with a Server Reference: followed when followServerReference is set', async (t) => {
  const target = await node(t);
  const redirect = await scripted(t, () => [withReference(PacketType.Connack, 0x9c, `${HOST}:${target.port} ignored:1`)]);
  const c = device(t, [redirect.port], { protocolVersion: 5, followServerReference: true });
  await until(c, 'connect', () => c.connected);
  t.is(c.server.port, target.port);
  t.is(redirect.connections(), 1);
});

test('CONNACK 0x9C is not followed by default: the client stays on its list', async (t) => {
  const target = await node(t);
  const redirect = await scripted(t, () => [withReference(PacketType.Connack, 0x9c, `${HOST}:${target.port}`)]);
  const c = device(t, [redirect.port], { protocolVersion: 5 });
  await until(c, 'reconnect', () => redirect.connections() >= 2, 3000);
  t.false(c.connected);
  t.is(c.server.port, redirect.port);
});

test('DISCONNECT 0x9D (Server moved) after CONNACK: the client goes to the reference and stays there', async (t) => {
  const target = await node(t);
  const moved = await scripted(t, () => [connackOk(), withReference(PacketType.Disconnect, 0x9d, `${HOST}:${target.port}`)]);
  const c = device(t, [moved.port], { protocolVersion: 5, followServerReference: true });
  await until(c, 'connect', () => c.connected && c.server.port === target.port);
  // Cut the connection: a moved server is kept, so the client comes back to it, not to the old one.
  c.transport.abort();
  await until(c, 'connect', () => c.connected && c.attempts >= 3);
  t.is(c.server.port, target.port);
  t.is(moved.connections(), 1);
});

test('connectAsync with servers: resolves on a live server after a dead one, rejects after a round of dead ones', async (t) => {
  const b = await node(t);
  const c = await connectAsync({ servers: [{ host: HOST, port: await deadPort() }, { host: HOST, port: b.port }], reconnectPeriod: 50 });
  t.teardown(() => c.endAsync(true));
  t.is(c.server.port, b.port);
  const ports = [await deadPort(), await deadPort()];
  const err = await t.throwsAsync(connectAsync({ servers: ports.map((port) => ({ host: HOST, port })), reconnectPeriod: 50 }));
  t.regex(err?.message ?? '', /ECONNREFUSED/);
});
