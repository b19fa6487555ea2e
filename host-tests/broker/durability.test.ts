// With --store, a PUBACK never leaves before what it acknowledges is committed, even when another
// reply (PINGRESP) was queued earlier in the same event-loop turn; and after kill -9 every
// PUBACKed message is in the store.
import test, { ExecutionContext } from 'ava';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Broker, SqliteStore } from '../../src/broker/index.js';
import type { StoredOutgoing } from '../../src/broker/store.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { Packet } from '../../src/core/codec/packet.js';
import { bytes, publish, RawClient, subscribe } from './helpers.js';

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-durable-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'broker.db');
}

/** Logs 'add' for each stored message and 'commit' for each commit that made one durable. */
class RecordingStore extends SqliteStore {
  log: string[] = [];
  private uncommitted = false;

  override addMessage(clientId: string, out: StoredOutgoing): number {
    this.log.push('add');
    this.uncommitted = true;
    return super.addMessage(clientId, out);
  }

  override commit(): void {
    if (this.uncommitted) this.log.push('commit');
    this.uncommitted = false;
    super.commit();
  }
}

function encode(type: number, version: number, build: (p: Packet) => void): Buffer {
  const p = new Packet(8, 8, 2);
  p.reset(type, version);
  build(p);
  const out = new Uint8Array(4096);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode failed: ${-n}`);
  return Buffer.from(out.subarray(0, n));
}

function connectBytes(id: string, expiry: number): Buffer {
  return encode(T.Connect, 5, (p) => {
    [p.clientId, p.clientIdOff, p.clientIdLen] = bytes(id);
    p.cleanStart = false;
    p.keepAlive = 60;
    if (expiry > 0) p.props.setNumber(P.SessionExpiryInterval, expiry);
  });
}

/** A client stream inside the process whose writes (the broker's output) are logged by packet type. */
function pipe(log: string[]): Duplex {
  return new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      const names: string[] = [];
      for (let i = 0; i < chunk.length;) {
        names.push(['?', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', '', '', '', 'PINGRESP', 'DISCONNECT'][chunk[i] >> 4]);
        let len = 0;
        let mul = 1;
        let k = i + 1;
        for (; chunk[k] & 0x80; k++, mul *= 128) len += (chunk[k] & 0x7f) * mul;
        len += chunk[k] * mul;
        i = k + 1 + len;
      }
      log.push('write ' + names.join('+'));
      cb();
    },
  });
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

test('a PUBACK is written only after the commit of the message it acknowledges, PINGRESP queued first or not', async (t) => {
  const store = new RecordingStore(tempDb(t));
  const b = new Broker({ store, sysInterval: 0 });
  t.teardown(() => b.close());
  // An offline persistent subscriber: its QoS 1 messages are stored.
  const sub = pipe([]);
  b.accept(sub, 'test');
  sub.push(Buffer.concat([connectBytes('keeper', 60), encode(T.Subscribe, 5, (p) => { p.packetId = 1; p.addFilter(...bytes('d/#'), 1); }), encode(T.Disconnect, 5, () => undefined)]));
  await settle();
  const pub = pipe(store.log);
  b.accept(pub, 'test');
  pub.push(connectBytes('pusher', 0));
  await settle();
  store.log.length = 0;
  // PINGREQ and PUBLISH in one chunk: PINGRESP is queued before the message is stored.
  const publishBytes = encode(T.Publish, 5, (p) => { p.setTopic(...bytes('d/x')); p.setPayload(...bytes('m')); p.qos = 1; p.packetId = 9; });
  pub.push(Buffer.concat([Buffer.from([0xc0, 0x00]), publishBytes]));
  await settle();
  t.deepEqual(store.log, ['add', 'commit', 'write PINGRESP+PUBACK']);
});

test('kill -9 right after PUBACKs: every PUBACKed message is in the store', async (t) => {
  const file = tempDb(t);
  const child = fork(fileURLToPath(new URL('./durability-child.js', import.meta.url)), [file], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  t.teardown(() => { child.kill('SIGKILL'); });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const s = await RawClient.open(t, port);
  await s.connect('keeper', (p) => { p.cleanStart = false; p.props.setNumber(P.SessionExpiryInterval, 600); });
  subscribe(s, 'k/#', 1);
  await s.expect(T.Suback);
  s.send(T.Disconnect);
  await s.waitClosed();
  const pub = await RawClient.open(t, port);
  await pub.connect('killer');
  const N = 50;
  let acked = 0;
  for (let i = 1; i <= N; i++) {
    pub.raw([0xc0, 0x00]);
    publish(pub, `k/${i}`, String(i), 1, i);
  }
  // Kill at once when the last PUBACK arrives: nothing more can be committed after it.
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (;;) {
    const p = await pub.next(10000);
    if (p.type !== T.Puback) continue;
    acked++;
    if (p.packetId === N) break;
  }
  child.kill('SIGKILL');
  await exited;
  t.is(acked, N);
  const store = new SqliteStore(file);
  const keeper = store.loadSessions().find((r) => r.clientId === 'keeper');
  store.close();
  t.truthy(keeper);
  t.deepEqual(keeper!.messages.map((m) => m.out.msg.topic), Array.from({ length: N }, (_, i) => `k/${i + 1}`));
});
