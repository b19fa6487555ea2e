// With --store, a PUBACK never leaves before what it acknowledges is committed, even when another
// reply (PINGRESP) was queued earlier in the same event-loop turn; and after kill -9 every
// PUBACKed message is in the store.
import test, { ExecutionContext } from 'ava';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker, SqliteStore, VirtualClock } from '../../src/broker/index.js';
import type { StoredOutgoing } from '../../src/broker/store.js';
import { PACKET_NAMES } from '../../src/broker/trace.js';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import type { Packet } from '../../src/core/codec/packet.js';
import { bytes, connectRecord, encodeRecord, publish, RawClient, subscribe } from './helpers.js';
import { MemoryClient, START } from './memory-client.js';

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

/** A memory client whose every chunk received (one write of the broker's) is logged by the packets in it. */
class LoggingClient extends MemoryClient {
  constructor(broker: Broker, readonly log: string[]) {
    super(broker);
  }

  override write(chunk: Uint8Array): void {
    const before = this.packets.length;
    super.write(chunk);
    this.log.push('write ' + this.packets.slice(before).map((p) => PACKET_NAMES[p.type]).join('+'));
  }
}

const record = (type: number, build: (p: Packet) => void): Buffer => encodeRecord(type, 5, build, new Uint8Array(4096));

test('a PUBACK is written only after the commit of the message it acknowledges, PINGRESP queued first or not', (t) => {
  const store = new RecordingStore(tempDb(t));
  const b = new Broker({ store, sysInterval: 0, clock: new VirtualClock(START) });
  t.teardown(() => b.close());
  // An offline persistent subscriber: its QoS 1 messages are stored.
  const sub = new MemoryClient(b);
  sub.raw(Buffer.concat([
    record(T.Connect, connectRecord('keeper', (p) => { p.cleanStart = false; p.props.setNumber(P.SessionExpiryInterval, 60); })),
    record(T.Subscribe, (p) => { p.packetId = 1; p.addFilter(...bytes('d/#'), 1); }),
    record(T.Disconnect, () => undefined),
  ]));
  const pub = new LoggingClient(b, store.log);
  pub.connect('pusher', (p) => { p.cleanStart = false; });
  store.log.length = 0;
  // PINGREQ and PUBLISH in one chunk: PINGRESP is queued before the message is stored.
  const publishBytes = record(T.Publish, (p) => { p.setTopic(...bytes('d/x')); p.setPayload(...bytes('m')); p.qos = 1; p.packetId = 9; });
  pub.raw(Buffer.concat([Buffer.from([0xc0, 0x00]), publishBytes]));
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
