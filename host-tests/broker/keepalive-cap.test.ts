// maxKeepAlive (mosquitto's max_keepalive), serverKeepAlive and subscribeDeniedCode, checked at the
// byte level: what CONNACK and SUBACK say, and that the keep alive told is the one enforced.
import test, { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Acl } from '../../src/broker/index.js';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { broker, CLI, delay, RawClient, subscribe } from './helpers.js';

const run = promisify(execFile);

/** The bytes the broker sends to a raw client from now on. */
function received(raw: RawClient): Buffer[] {
  const chunks: Buffer[] = [];
  raw.sock.on('data', (d: Buffer) => chunks.push(d));
  return chunks;
}

test('maxKeepAlive 10: an MQTT 5 client asking for more or for none is told 10; one asking 5 is told nothing', async (t) => {
  const b = await broker(t, { maxKeepAlive: 10 });
  for (const [asked, told] of [[60, 10], [0, 10], [5, undefined], [10, undefined]] as const) {
    const raw = await RawClient.open(t, b.port);
    const ack = await raw.connect(`v5-${asked}`, (p) => { p.keepAlive = asked; });
    t.is(ack.reasonCode, 0, `asked ${asked}`);
    t.is(ack.props[P.ServerKeepAlive] as number | undefined, told, `asked ${asked}`);
  }
});

test('maxKeepAlive 10: a 3.1.1 client asking 60 or 0 is refused with return code 2 and closed; asking 5 connects', async (t) => {
  const b = await broker(t, { maxKeepAlive: 10 });
  for (const asked of [60, 0]) {
    const raw = await RawClient.open(t, b.port, 4);
    const wire = received(raw);
    // The codec reads a 3.1.1 return code as its MQTT 5 equivalent: 2 (identifier rejected) is 0x85.
    t.is((await raw.connect(`v4-${asked}`, (p) => { p.keepAlive = asked; })).reasonCode, 0x85, `asked ${asked}`);
    await raw.waitClosed();
    t.deepEqual([...Buffer.concat(wire)], [0x20, 0x02, 0x00, 0x02], `asked ${asked}: CONNACK return code 2, then nothing`);
  }
  const raw = await RawClient.open(t, b.port, 4);
  t.is((await raw.connect('v4-5', (p) => { p.keepAlive = 5; })).reasonCode, 0);
  t.false(b.broker.sessions.has('v4-60'));
});

test('no maxKeepAlive (default): a 3.1.1 client asking 0 connects', async (t) => {
  const b = await broker(t);
  const raw = await RawClient.open(t, b.port, 4);
  t.is((await raw.connect('v4-none', (p) => { p.keepAlive = 0; })).reasonCode, 0);
});

test('serverKeepAlive 3 is told to every MQTT 5 client that asked otherwise, whatever it asked; 3.1.1 clients keep their own', async (t) => {
  const b = await broker(t, { serverKeepAlive: 3 });
  for (const [asked, told] of [[0, 3], [1, 3], [3, undefined], [65535, 3]] as const) {
    const raw = await RawClient.open(t, b.port);
    t.is((await raw.connect(`ska-${asked}`, (p) => { p.keepAlive = asked; })).props[P.ServerKeepAlive] as number | undefined, told, `asked ${asked}`);
  }
  for (const asked of [0, 600]) {
    const raw = await RawClient.open(t, b.port, 4);
    t.is((await raw.connect(`ska4-${asked}`, (p) => { p.keepAlive = asked; })).reasonCode, 0, `3.1.1 asked ${asked}`);
  }
});

test('serverKeepAlive wins over maxKeepAlive for MQTT 5; the cap still refuses a 3.1.1 client over it', async (t) => {
  const b = await broker(t, { serverKeepAlive: 3, maxKeepAlive: 10 });
  const v5 = await RawClient.open(t, b.port);
  t.is((await v5.connect('both-5', (p) => { p.keepAlive = 60; })).props[P.ServerKeepAlive], 3);
  const v4 = await RawClient.open(t, b.port, 4);
  t.is((await v4.connect('both-4', (p) => { p.keepAlive = 60; })).reasonCode, 0x85, '3.1.1 return code 2');
});

/** The SUBACK codes for a denied filter and an allowed one. */
async function subackCodes(port: number, t: ExecutionContext, version: number, id: string): Promise<number[]> {
  const raw = await RawClient.open(t, port, version);
  await raw.connect(id);
  subscribe(raw, 'closed/x', 1, 1);
  const denied = await raw.expect(T.Suback);
  subscribe(raw, 'open/x', 1, 2);
  const allowed = await raw.expect(T.Suback);
  return [...denied.codes, ...allowed.codes];
}

test('subscribeDeniedCode 0x80: a v5 SUBACK for a filter the ACL denies carries 0x80; the default is 0x87; 3.1.1 always 0x80', async (t) => {
  const acl = Acl.parse('topic read open/#');
  const set = await broker(t, { acl, subscribeDeniedCode: 0x80 });
  const dflt = await broker(t, { acl });
  t.deepEqual(await subackCodes(set.port, t, 5, 'sdc-5'), [0x80, 1]);
  t.deepEqual(await subackCodes(dflt.port, t, 5, 'default-5'), [0x87, 1]);
  t.deepEqual(await subackCodes(set.port, t, 4, 'sdc-4'), [0x80, 1]);
  t.deepEqual(await subackCodes(dflt.port, t, 4, 'default-4'), [0x80, 1]);
});

test('CLI: --subscribe-denied-code 0x99 and --max-keep-alive 70000 are one-line usage errors, exit code 2', async (t) => {
  for (const [args, want] of [
    [['--subscribe-denied-code', '0x99'], /^xsmqtt broker: --subscribe-denied-code: 0x80 or 0x87, not '0x99' \(see --help\)\n$/],
    [['--max-keep-alive', '70000'], /^xsmqtt broker: invalid keep alive \(0-65535\) '70000' for --max-keep-alive \(a whole number from 0 to 65535\) \(see --help\)\n$/],
  ] as const) {
    const err = await run(process.execPath, [CLI, 'broker', ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
    t.is(err?.code, 2, args.join(' '));
    t.regex(err?.stderr ?? '', want);
  }
});
