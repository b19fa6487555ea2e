// Passwords, ACLs, the TLS and WebSocket listeners, and the connection limit.
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Acl, PasswordFile, addUser } from '../../src/broker/auth.js';
import { PacketType as T } from '../../src/core/codec/constants.js';
import { broker, bytes, client, collect, RawClient } from './helpers.js';

/** SUBACK codes, refusals included (MQTT.js rejects a v5 SUBACK holding one). */
async function granted(c: mqtt.MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters)).map((g) => g.qos);
  } catch (e) {
    return (e as { packet: { granted: number[] } }).packet.granted;
  }
}

function tempDir(t: import('ava').ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-broker-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('password file: scrypt entries, right and wrong passwords, anonymous refused', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'passwd');
  addUser(file, 'alice', 's3cret');
  addUser(file, 'bob', 'pw');
  addUser(file, 'bob', 'pw2');
  const pf = PasswordFile.load(file);
  t.regex(pf.users.get('alice')!, /^\$scrypt\$16384\$8\$1\$/);
  const b = await broker(t, { passwords: pf });
  const ok = await RawClient.open(t, b.port);
  t.is((await ok.connect('a', (p) => {
    [p.username, p.usernameOff, p.usernameLen] = bytes('alice');
    [p.password, p.passwordOff, p.passwordLen] = bytes('s3cret');
  })).reasonCode, 0);
  const wrong = await RawClient.open(t, b.port);
  t.is((await wrong.connect('b', (p) => {
    [p.username, p.usernameOff, p.usernameLen] = bytes('bob');
    [p.password, p.passwordOff, p.passwordLen] = bytes('pw');
  })).reasonCode, 0x86, 'the replaced password no longer works');
  const anon = await RawClient.open(t, b.port, 4);
  t.is((await anon.connect('c')).reasonCode, 0x87, '3.1.1 return code 5, not authorised');
});

test('ACL: %u and %c patterns, refused SUBSCRIBE is 0x87 (3.1.1: 0x80), refused PUBLISH dropped with PUBACK 0x87', async (t) => {
  const acl = Acl.parse([
    'pattern readwrite devices/%c/#',
    'pattern read users/%u/inbox',
    'user alice',
    'topic readwrite shared/#',
    'client monitor',
    'topic read devices/#',
  ].join('\n'));
  const dir = tempDir(t);
  const file = join(dir, 'passwd');
  addUser(file, 'alice', 'pw');
  const b = await broker(t, { acl, passwords: PasswordFile.load(file), allowAnonymous: true });
  const mon = await client(t, b.port, { protocolVersion: 5, clientId: 'monitor' });
  const got = collect(mon);
  t.deepEqual(await granted(mon, ['devices/#', 'shared/#']), [0, 0x87]);
  const alice = await client(t, b.port, { protocolVersion: 5, clientId: 'dev-1', username: 'alice', password: 'pw' });
  t.deepEqual(await granted(alice, ['users/alice/inbox', 'users/bob/inbox', 'shared/x']), [0, 0x87, 0]);
  await alice.publishAsync('devices/dev-1/temp', 'ok', { qos: 1 });
  const raw = await RawClient.open(t, b.port);
  await raw.connect('dev-2', (p) => {
    [p.username, p.usernameOff, p.usernameLen] = bytes('alice');
    [p.password, p.passwordOff, p.passwordLen] = bytes('pw');
  });
  raw.send(T.Publish, (p) => {
    p.setTopic(...bytes('devices/dev-1/temp'));
    p.setPayload(...bytes('spoof'));
    p.qos = 1;
    p.packetId = 1;
  });
  t.is((await raw.expect(T.Puback)).reasonCode, 0x87);
  const [m] = await got.take(1);
  t.is(m.payload, 'ok');
  const v3 = await client(t, b.port, { protocolVersion: 4, clientId: 'v3' });
  t.deepEqual(await granted(v3, ['devices/#']), [128]);
});

function makeCerts(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.crt']);
  for (const name of ['server', 'client']) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name === 'server' ? 'localhost' : 'client'}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`]);
  }
}

test('TLS listener with required client certificates; mosquitto_pub over TLS', async (t) => {
  const dir = tempDir(t);
  makeCerts(dir);
  const f = (n: string) => join(dir, n);
  const b = await broker(t, { tlsPort: 0, cert: f('server.crt'), key: f('server.key'), cafile: f('ca.crt'), requireCertificate: true });
  const { readFileSync } = await import('node:fs');
  const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${b.tlsPort}`, {
    reconnectPeriod: 0, protocolVersion: 5, ca: readFileSync(f('ca.crt')), cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')),
  });
  t.teardown(() => { c.end(true); });
  const got = collect(c);
  await c.subscribeAsync('tls/#');
  await promisify(execFile)('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(b.tlsPort), '--cafile', f('ca.crt'), '--cert', f('client.crt'), '--key', f('client.key'), '-t', 'tls/x', '-m', 'secure', '-q', '1'], { timeout: 5000 });
  t.is((await got.take(1))[0].payload, 'secure');
  const noCert = mqtt.connect(`mqtts://127.0.0.1:${b.tlsPort}`, { reconnectPeriod: 0, ca: readFileSync(f('ca.crt')) });
  t.teardown(() => { noCert.end(true); });
  await new Promise<void>((resolve) => { noCert.once('error', () => resolve()); noCert.once('close', () => resolve()); });
  t.false(noCert.connected, 'no client certificate, no connection');
});

test('WebSocket listener (subprotocol mqtt) talks to TCP clients', async (t) => {
  const b = await broker(t, { wsPort: 0 });
  const ws = await mqtt.connectAsync(`ws://127.0.0.1:${b.wsPort}`, { reconnectPeriod: 0, protocolVersion: 5 });
  t.teardown(() => { ws.end(true); });
  const got = collect(ws);
  await ws.subscribeAsync('ws/#', { qos: 1 });
  const tcp = await client(t, b.port, { protocolVersion: 4 });
  await tcp.publishAsync('ws/x', 'over websocket', { qos: 1 });
  t.is((await got.take(1))[0].payload, 'over websocket');
});

test('maximum connections: one more is refused with server busy', async (t) => {
  const b = await broker(t, { maxConnections: 2 });
  await client(t, b.port, { protocolVersion: 5 });
  await client(t, b.port, { protocolVersion: 5 });
  const raw = await RawClient.open(t, b.port);
  t.is((await raw.connect('third')).reasonCode, 0x89);
});

test('request problem information 0: no reason string on a refused SUBACK; 1 (default): one', async (t) => {
  const b = await broker(t, { acl: Acl.parse('topic read open/#') });
  for (const [want, problemInfo] of [[false, 0], [true, 1]] as const) {
    const raw = await RawClient.open(t, b.port);
    await raw.connect(`rpi-${problemInfo}`, (p) => p.props.setNumber(0x17, problemInfo));
    raw.send(T.Subscribe, (p) => {
      p.packetId = 1;
      p.addFilter(...bytes('closed/#'), 0);
    });
    const ack = await raw.expect(T.Suback);
    t.deepEqual(ack.codes, [0x87]);
    t.is(0x1f in ack.props, want);
  }
});
