// The Node client and CLI against a scripted raw server that sends what a broken or hostile
// server would: oversized packets, lengths it never delivers, acks with the wrong id.
import test, { type ExecutionContext } from 'ava';
import { createServer, type Socket } from 'node:net';
import { generate, parser } from 'mqtt-packet';
import { connect, connectAsync, DEFAULT_MAXIMUM_PACKET_SIZE, type ClientOptions, type MessageInfo, type MqttClient } from '../../src/node/client.js';
import { LOOPBACK } from '../peers/proc.js';
import { until } from '../wait.js';
import { CLI, run } from './helpers.js';

// mqtt-packet's objects, loosely typed: the tests read a few fields of each.
type Pkt = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Conn {
  socket: Socket;
  /** What the client sent on this connection, parsed. */
  packets: Pkt[];
  closed: Promise<void>;
  send(p: Pkt | Buffer): void;
}

interface RawServer {
  port: number;
  conns: Conn[];
  /** Resolves with the first packet of `cmd` on connection `i` (waits for the connection too). */
  packet(i: number, cmd: string, ms?: number): Promise<Pkt>;
}

/** A loopback server on a free port: onPacket answers each parsed packet; stopped when the test ends. */
async function rawServer(t: ExecutionContext, version: 4 | 5, onPacket: (c: Conn, p: Pkt) => void): Promise<RawServer> {
  const conns: Conn[] = [];
  const waiters: (() => void)[] = [];
  const changed = (): void => { for (const w of waiters.splice(0)) w(); };
  const server = createServer((socket) => {
    const packets: Pkt[] = [];
    const pp = parser({ protocolVersion: version });
    const c: Conn = {
      socket, packets,
      closed: new Promise((resolve) => socket.once('close', () => { resolve(); changed(); })),
      send(p) { if (!socket.destroyed) socket.write(Buffer.isBuffer(p) ? p : generate(p as never, { protocolVersion: version })); },
    };
    conns.push(c);
    pp.on('packet', (p: Pkt) => { packets.push(p); onPacket(c, p); changed(); });
    pp.on('error', () => socket.destroy());
    socket.on('data', (b) => pp.parse(b));
    socket.on('error', () => undefined);
    changed();
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  t.teardown(() => {
    for (const c of conns) c.socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port, conns,
    packet(i, cmd, ms = 10000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${cmd} on connection ${i} within ${ms} ms`)), ms);
        const check = (): void => {
          const p = conns[i]?.packets.find((x) => x.cmd === cmd);
          if (p !== undefined) { clearTimeout(timer); resolve(p); } else waiters.push(check);
        };
        check();
      });
    },
  };
}

const CONNACK: Pkt = { cmd: 'connack', sessionPresent: false, returnCode: 0, reasonCode: 0 };

function open(t: ExecutionContext, port: number, options: ClientOptions): MqttClient {
  const c = connect(`mqtt://${LOOPBACK}:${port}`, { reconnectPeriod: 0, ...options });
  c.on('error', () => undefined);
  t.teardown(() => c.endAsync(true));
  return c;
}

/** p, or a rejection after ms: a promise that never settles fails the test instead of hanging it. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('a CONNACK larger than the receive buffer (20 KB of user properties) is taken; CONNECT advertised the limit', async (t) => {
  const userProperties: Record<string, string> = {};
  for (let i = 0; i < 20; i++) userProperties[`k${i}`] = 'v'.repeat(1000);
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send({ ...CONNACK, properties: { userProperties } });
    if (p.cmd === 'subscribe') c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
  });
  const c = await within(connectAsync(`mqtt://${LOOPBACK}:${srv.port}`, { protocolVersion: 5, reconnectPeriod: 0 }), 10000, 'connectAsync');
  t.teardown(() => c.endAsync(true));
  const conn = await srv.packet(0, 'connect');
  t.is(conn.properties?.maximumPacketSize, DEFAULT_MAXIMUM_PACKET_SIZE);
  const kept = c.connack?.properties?.userProperties as Record<string, string>;
  t.is(Object.keys(kept).length, 16, 'the 16 user properties a packet record keeps');
  t.is(kept.k0, 'v'.repeat(1000));
  // The connection goes on, in the receive buffer it started with.
  t.deepEqual(await within(c.subscribeAsync('a'), 10000, 'subscribe'), [{ topic: 'a', qos: 0 }]);
  t.is(c.framer.buf.length, 16384);
});

test('a PUBLISH whose properties alone exceed the receive buffer arrives whole', async (t) => {
  const userProperties: Record<string, string> = {};
  for (let i = 0; i < 10; i++) userProperties[`k${i}`] = String(i).repeat(3000);
  const payload = Buffer.alloc(40000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send(CONNACK);
    if (p.cmd === 'subscribe') {
      c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
      c.send({ cmd: 'publish', topic: 'a', payload, qos: 0, retain: false, dup: false, properties: { userProperties } });
    }
  });
  const c = open(t, srv.port, { protocolVersion: 5 });
  const got = new Promise<[string, Buffer, MessageInfo]>((resolve) => c.once('message', (...m) => resolve(m)));
  await within(c.subscribeAsync('a'), 10000, 'subscribe');
  const [topic, body, info] = await within(got, 10000, 'the message');
  t.is(topic, 'a');
  t.true(body.equals(payload));
  t.is(info.properties?.userProperties?.k9, '9'.repeat(3000));
});

test('a packet claiming 256 MB, over maximumPacketSize: DISCONNECT 0x95 before its bytes come', async (t) => {
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send(CONNACK);
    if (p.cmd === 'subscribe') {
      c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
      c.send(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61, 0x00]));
    }
  });
  const c = open(t, srv.port, { protocolVersion: 5 });
  await within(c.subscribeAsync('a'), 10000, 'subscribe');
  const d = await srv.packet(0, 'disconnect');
  t.is(d.reasonCode, 0x95);
  await within(srv.conns[0].closed, 10000, 'close');
});

test.serial('a PUBLISH claiming 256 MB within the limit: memory grows with the bytes that come, not the claim', async (t) => {
  const payload = Buffer.alloc(64 * 1024, 0x61);
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send(CONNACK);
    if (p.cmd === 'subscribe') {
      c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
      c.send(Buffer.concat([Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x61, 0x00]), payload]));
    }
  });
  const before = process.memoryUsage().arrayBuffers;
  const c = open(t, srv.port, { protocolVersion: 5, maximumPacketSize: 0 });
  await within(c.subscribeAsync('a'), 10000, 'subscribe');
  // The streamed message has begun: its first piece was handed over.
  await until(() => c.framer.inStream(), 'the message to start', 10000);
  const grown = process.memoryUsage().arrayBuffers - before;
  t.log(`arrayBuffers grew by ${(grown / 1048576).toFixed(1)} MiB`);
  t.true(grown < 64 * 1048576, `${grown} bytes`);
  t.is(srv.conns[0].packets.find((p) => p.cmd === 'disconnect'), undefined);
});

test('another packet claiming 256 MB: the receive buffer grows only with the bytes that come', async (t) => {
  const sent = 100 * 1024;
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') {
      c.send(CONNACK);
      // A SUBACK (packet id 1, empty properties) whose reason codes never end.
      c.send(Buffer.concat([Buffer.from([0x90, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x00]), Buffer.alloc(sent)]));
    }
  });
  const c = open(t, srv.port, { protocolVersion: 5, maximumPacketSize: 0 });
  await until(() => c.framer.fill >= sent, 'the bytes to be read', 10000);
  t.true(c.framer.buf.length <= 2 * (sent + 8), `buffer ${c.framer.buf.length} B`);
  t.true(c.connected);
});

for (const version of [4, 5] as const) {
  test(`v${version}: a SUBACK with an id never sent ends the connection; subscribe() completes on the next`, async (t) => {
    const srv = await rawServer(t, version, (c, p) => {
      if (p.cmd === 'connect') c.send(CONNACK);
      const first = srv.conns.indexOf(c) === 0;
      if (p.cmd === 'subscribe') c.send({ cmd: 'suback', messageId: first ? (p.messageId % 65535) + 1 : p.messageId, granted: [1] });
    });
    const c = open(t, srv.port, { protocolVersion: version, reconnectPeriod: 50, reconnectJitter: 0 });
    const granted = await within(c.subscribeAsync('a', { qos: 1 }), 15000, 'subscribe');
    t.deepEqual(granted, [{ topic: 'a', qos: 1 }]);
    await within(srv.conns[0].closed, 10000, 'the first connection closes');
    if (version === 5) t.is((await srv.packet(0, 'disconnect')).reasonCode, 0x82);
    t.is(srv.conns.length, 2);
  });
}

test('no SUBACK: subscribe() rejects after ackTimeout, and the next request still goes', async (t) => {
  let answer = false;
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send(CONNACK);
    if (p.cmd === 'subscribe' && answer) c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
    if (p.cmd === 'unsubscribe') c.send({ cmd: 'unsuback', messageId: p.messageId, granted: [0] });
  });
  const c = open(t, srv.port, { protocolVersion: 5, ackTimeout: 300 });
  const err = await t.throwsAsync(within(c.subscribeAsync('lost'), 10000, 'subscribe'));
  t.regex(err!.message, /subscribe to 'lost' timed out: no SUBACK within 300 ms/);
  answer = true;
  t.deepEqual(await within(c.subscribeAsync('b'), 10000, 'the next subscribe'), [{ topic: 'b', qos: 0 }]);
  await within(c.unsubscribeAsync('b'), 10000, 'unsubscribe');
  t.true(c.connected);
});

test('xsmqtt sub -D connect: every CONNECT property mosquitto_sub takes is sent (maximum-packet-size too)', async (t) => {
  const srv = await rawServer(t, 5, (c, p) => {
    if (p.cmd === 'connect') c.send(CONNACK);
    if (p.cmd === 'subscribe') {
      c.send({ cmd: 'suback', messageId: p.messageId, granted: [0] });
      c.send({ cmd: 'publish', topic: 't', payload: Buffer.from('hi'), qos: 0, retain: false, dup: false });
    }
  });
  const sub = run(t, 'node', [CLI, 'sub', '-h', LOOPBACK, '-p', String(srv.port), '-V', 'mqttv5', '-t', 't', '-C', '1',
    '-D', 'connect', 'maximum-packet-size', '4096',
    '-D', 'connect', 'session-expiry-interval', '60',
    '-D', 'connect', 'receive-maximum', '10',
    '-D', 'connect', 'topic-alias-maximum', '5',
    '-D', 'connect', 'request-response-information', '1',
    '-D', 'connect', 'request-problem-information', '0']);
  t.is(await within(sub.exited, 30000, 'xsmqtt sub'), 0, sub.stderr);
  t.is(sub.stdout, 'hi\n');
  const props = (await srv.packet(0, 'connect')).properties;
  t.like(props, {
    maximumPacketSize: 4096, sessionExpiryInterval: 60, receiveMaximum: 10, topicAliasMaximum: 5,
    requestResponseInformation: true, requestProblemInformation: false,
  });
});

test('a server that stops reading: end() drops the connection after ackTimeout instead of waiting for ever', async (t) => {
  const srv = await rawServer(t, 4, (c, p) => {
    if (p.cmd === 'connect') {
      c.send(CONNACK);
      c.socket.pause();
    }
  });
  const c = open(t, srv.port, { ackTimeout: 500 });
  await within(new Promise((resolve) => c.once('connect', resolve)), 10000, 'connect');
  const big = Buffer.alloc(60000);
  // Until the socket's buffers are full and DISCONNECT would wait behind what is unsent.
  for (let i = 0; i < 2000 && c.session.unsent() === 0; i++) {
    await c.publishAsync('t', big).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(c.session.unsent() > 0, 'the send side is blocked');
  await within(c.endAsync(), 10000, 'end()');
  t.true(c.ended);
});
