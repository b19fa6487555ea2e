// What a device needs to reach a real broker, on Moddable's lin runtime (apps built by the real
// mcconfig, run in the headless host) against the companion broker started here: a broker host
// name resolved through a DNS server this test runs on loopback, TLS with the CA from the app's
// resources (and a wrong CA refused cleanly), and credentials from mc/config.
import test, { type ExecutionContext } from 'ava';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';
import { PasswordFile, addUser, startBroker, type ListenOptions, type RunningBroker } from '../../src/broker/index.js';
import type { TraceRecord } from '../../src/broker/trace.js';
import { makeTempDir, removeTempDir } from '../peers/proc.js';
import { app } from './apps.js';
import { ROOT, linMissing, runLinApp, type RunningLinApp } from './lin.js';

const CERTS = join(ROOT, 'host-tests/moddable/apps/net-sensor/certs');
/** The name the net-dns app is built with, and the DNS server's port (its dnsPort=). */
const BROKER_NAME = 'broker.xsmqtt.test';
const DNS_PORT = 18853;
/** Output that means the app crashed or broke the rules of a preloaded module. */
const CRASH = /read-only|TypeError|ReferenceError|XS abort/;

// Moddable's TLS (8.2.3) offers TLS 1.2 only, with 002f 0035 003c 003d (RSA, AES-CBC), 0067 006b 009e
// (DHE-RSA) and c027 c02f c02b (ECDHE, P-256): the broker's TLS listener with Node's defaults
// negotiates TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, so it keeps them. The broker sends its chain
// (server certificate and CA): Moddable checks the host name only on a certificate that a second
// one in the chain signs.

/** A DNS server for A queries: `answers` maps a name to its address; any other name is NXDOMAIN. */
interface DnsServer {
  answers: Map<string, string>;
  /** Names asked for, in order. */
  queries: string[];
  close(): Promise<void>;
}

function readName(msg: Buffer, at: number): { name: string; end: number } {
  const labels: string[] = [];
  while (at < msg.length && msg[at] !== 0) {
    const n = msg[at];
    labels.push(msg.subarray(at + 1, at + 1 + n).toString('ascii'));
    at += 1 + n;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

async function startDns(port: number): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4');
  const server: DnsServer = {
    answers: new Map(),
    queries: [],
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (msg, from) => {
    if (msg.length < 12 || (msg[2] & 0x80) !== 0) return;
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    server.queries.push(name);
    const question = msg.subarray(12, end + 4);
    const address = qtype === 1 ? server.answers.get(name) : undefined;
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (address === undefined && !server.answers.has(name) ? 3 : 0), 2); // response, RD, RA; NXDOMAIN
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(address === undefined ? 0 : 1, 6);
    const parts = [header, question];
    if (address !== undefined) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(60, 6);
      rr.writeUInt16BE(4, 10);
      address.split('.').forEach((b, i) => { rr[12 + i] = Number(b); });
      parts.push(rr);
    }
    socket.send(Buffer.concat(parts), from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => { socket.off('error', reject); resolve(); });
  });
  return server;
}

interface Traced {
  broker: RunningBroker;
  records: TraceRecord[];
}

async function tracedBroker(options: ListenOptions): Promise<Traced> {
  const records: TraceRecord[] = [];
  const broker = await startBroker({ host: '127.0.0.1', sysInterval: 0, ...options, onTrace: (_line, r) => { if (r !== null) records.push(r); } });
  return { broker, records };
}

function published(records: TraceRecord[], client: string, topic: string): boolean {
  return records.some((r) => r.dir === 'in' && r.type === 'PUBLISH' && r.client === client && r.topic === topic);
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; !ok() && waited < ms; waited += 100) await new Promise((r) => setTimeout(r, 100));
  return ok();
}

function count(run: RunningLinApp, re: RegExp): number {
  return run.stdout().split('\n').filter((l) => re.test(l)).length;
}

/** The companion broker's TLS listener (the test CA's chain) on the app's port, and the app running against it. */
async function tlsRun(t: ExecutionContext, a: ReturnType<typeof app>): Promise<{ records: TraceRecord[]; run: RunningLinApp }> {
  const { broker, records } = await tracedBroker({ port: null, tlsPort: Number(a.config.port), cert: join(CERTS, 'server-chain.crt'), key: join(CERTS, 'server.key') });
  t.teardown(() => broker.close());
  const run = runLinApp(a, 90);
  t.teardown(() => run.stop());
  return { records, run };
}

async function dnsServer(t: ExecutionContext): Promise<DnsServer | null> {
  try {
    const server = await startDns(DNS_PORT);
    t.teardown(() => server.close());
    return server;
  } catch (e) {
    t.fail(`cannot run the test's DNS server on 127.0.0.1:${DNS_PORT}: ${(e as Error).message}`);
    return null;
  }
}

test.serial('a broker host name is resolved through the DNS server given in mc/config, then the sensor connects and publishes', async (t) => {
  const a = app('net-dns');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const dns = await dnsServer(t);
  if (dns === null) return;
  dns.answers.set(BROKER_NAME, '127.0.0.1');
  const { broker, records } = await tracedBroker({ port: Number(a.config.port) });
  t.teardown(() => broker.close());
  const run = runLinApp(a, 60);
  t.teardown(() => run.stop());
  await run.waitFor(/sensor: connected/, 30_000);
  const id = String(a.config.clientId);
  t.true(await until(() => published(records, id, `devices/${id}/telemetry`), 10_000), `no telemetry from ${id}\n${run.stdout()}`);
  t.true(dns.queries.includes(BROKER_NAME), `the DNS server saw ${JSON.stringify(dns.queries)}`);
  t.notRegex(run.stdout(), CRASH);
});

test.serial('a broker name that does not resolve ends each attempt as a failed connection, retried with back-off, until it resolves', async (t) => {
  const a = app('net-dns');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const dns = await dnsServer(t);
  if (dns === null) return;
  const { broker, records } = await tracedBroker({ port: Number(a.config.port) });
  t.teardown(() => broker.close());
  const run = runLinApp(a, 90);
  t.teardown(() => run.stop());
  // NXDOMAIN: every attempt fails at once, and the driver's back-off spaces the attempts.
  t.true(await until(() => count(run, /sensor: connection failed/) >= 3, 40_000), `fewer than 3 failed attempts\n${run.stdout()}`);
  t.regex(run.stdout(), new RegExp(`${BROKER_NAME.replace(/\./g, '\\.')} did not resolve`));
  t.false(records.some((r) => r.type === 'CONNECT'), 'nothing reached the broker');
  const asked = dns.queries.filter((q) => q === BROKER_NAME).length;
  t.true(asked >= 3, `one query per attempt: ${asked}`);
  // The name comes to resolve: the next attempt connects.
  dns.answers.set(BROKER_NAME, '127.0.0.1');
  await run.waitFor(/sensor: connected/, 40_000);
  t.notRegex(run.stdout(), CRASH);
  const r = await Promise.race([run.exited, new Promise<null>((res) => setTimeout(() => res(null), 200))]);
  t.is(r, null, 'the app is still running');
});

test.serial('TLS: the sensor connects to the broker\'s TLS listener with the CA from its resources and publishes', async (t) => {
  const a = app('net-tls');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const { records, run } = await tlsRun(t, a);
  await run.waitFor(/sensor: connected/, 60_000);
  const id = String(a.config.clientId);
  t.true(await until(() => published(records, id, `devices/${id}/telemetry`), 20_000), `no telemetry from ${id}\n${run.stdout()}`);
  t.true(records.some((r) => r.type === 'CONNECT' && r.client === id), 'CONNECT came over TLS');
  t.notRegex(run.stdout(), CRASH);
});

test.serial('TLS: a broker certificate the configured CA does not sign fails the handshake as a failed connection, without a crash', async (t) => {
  const a = app('net-tls-badca');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const { records, run } = await tlsRun(t, a);
  t.true(await until(() => count(run, /sensor: connection failed/) >= 2, 60_000), `fewer than 2 failed attempts\n${run.stdout()}`);
  t.regex(run.stdout(), /TLS failed/);
  t.false(records.some((r) => r.type === 'CONNECT'), 'no MQTT packet crossed the refused handshake');
  t.notRegex(run.stdout(), CRASH);
  t.notRegex(run.stdout(), /sensor: connected/);
});

test.serial('the user name and password from mc/config reach a broker with a password file', async (t) => {
  const a = app('net-auth');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const dir = makeTempDir('net-auth');
  t.teardown(() => removeTempDir(dir));
  const file = join(dir, 'passwords');
  addUser(file, String(a.config.mqttUser), String(a.config.mqttPassword));
  const { broker, records } = await tracedBroker({ port: Number(a.config.port), passwords: PasswordFile.load(file), allowAnonymous: false });
  t.teardown(() => broker.close());
  const run = runLinApp(a, 60);
  t.teardown(() => run.stop());
  await run.waitFor(/sensor: connected/, 30_000);
  const id = String(a.config.clientId);
  const connect = records.find((r) => r.type === 'CONNECT' && r.client === id);
  t.is(connect?.username, a.config.mqttUser);
  t.true(await until(() => published(records, id, `devices/${id}/telemetry`), 10_000), `no telemetry from ${id}\n${run.stdout()}`);
  t.regex(run.stdout(), /credentials go without TLS/);
  t.notRegex(run.stdout(), CRASH);
});
