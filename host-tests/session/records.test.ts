// The session's small records keep their numbers in typed arrays (no XS heap slot each): their
// counters and limits behave as plain fields did, and each *Memory function is exact.
import test from 'ava';
import { Memory } from '../../src/core/codec/memory.js';
import { Framer, framerMemory } from '../../src/core/codec/framer.js';
import { Reader } from '../../src/core/codec/reader.js';
import { ByteArena, arenaMemory } from '../../src/core/session/arena.js';
import { MessageStore, storeMemory } from '../../src/core/session/message-store.js';
import { RecordEvent, RecordState } from '../../src/core/session/outbound-state.js';
import { Subscriptions, subscriptionsMemory } from '../../src/core/session/subscriptions.js';
import { InboundQos2, inboundQos2Memory } from '../../src/core/session/inbound-qos2.js';
import { InboundAliases, OutboundAliases } from '../../src/core/session/aliases.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Array.from(s, (c) => c.charCodeAt(0)));

test('each record takes exactly what its Memory function says, for 0 to 5 slots', (t) => {
  for (let n = 0; n <= 5; n++) {
    const check = (size: number, make: (m: Memory) => unknown, what: string): void => {
      const m = new Memory(size);
      make(m);
      t.is(m.used, size, what + ' size');
    };
    check(framerMemory(8 * n + 1), (m) => new Framer(8 * n + 1, m), 'Framer');
    check(storeMemory(n, 16 * n), (m) => new MessageStore(n, 16 * n, m), 'MessageStore');
    check(subscriptionsMemory(n, 8 * n), (m) => new Subscriptions(n, 8 * n, m), 'Subscriptions');
    check(inboundQos2Memory(n), (m) => new InboundQos2(n, m), 'InboundQos2');
    check(arenaMemory(4 * n, n), (m) => new OutboundAliases(n, 4 * n, m), 'OutboundAliases');
    check(arenaMemory(4 * n, n), (m) => new InboundAliases(n, 4 * n, m), 'InboundAliases');
  }
});

test('records with no slots report zeros and write nothing', (t) => {
  const s = new MessageStore(0, 0, new Memory(0));
  t.deepEqual([s.slots, s.queued, s.inflight, s.add(1, 0, 0)], [0, 0, 0, -1]);
  const a = new OutboundAliases(0, 0, new Memory(0));
  a.reset(10);
  t.deepEqual([a.limit, a.count, a.assign(bytes('x'), 0, 1)], [0, 0, 0]);
  const q = new InboundQos2(0, new Memory(0));
  q.clear();
  t.deepEqual([q.count, q.add(1), q.has(1)], [0, false, false]);
  const arena = new ByteArena(0, 0, new Memory(0));
  t.deepEqual([arena.slots, arena.used, arena.live], [0, 0, 0]);
});

test('MessageStore counters follow add, promote, released, requeue and remove', (t) => {
  const s = new MessageStore(3, 30, new Memory(storeMemory(3, 30)));
  const a = s.add(10, 2, 5);
  const b = s.add(7, 0, 6);
  t.deepEqual([s.queued, s.inflight, s.handle(a), s.handle(b), s.time(b)], [2, 0, 1, 2, 6]);
  s.promote(a, 9);
  t.deepEqual([s.queued, s.inflight, s.state(a), s.packetId(a), s.find(9)], [1, 1, RecordState.PublishSend, 9, a]);
  // Requeued: held at a new connection, then CONNACK without a session.
  s.apply(a, RecordEvent.Connect);
  s.apply(a, RecordEvent.Discard);
  t.deepEqual([s.queued, s.inflight, s.firstQueued(false)], [2, 0, b]);
  s.promote(a, 3);
  s.released(a);
  t.deepEqual([s.state(a), s.firstDue(), s.arena.len(a)], [RecordState.PubRelSend, a, -1]);
  s.remove(a);
  s.remove(b);
  t.deepEqual([s.queued, s.inflight, s.arena.live, s.nextSeq], [0, 0, 0, 6]);
});

test('OutboundAliases count and limit: assign up to the limit, unassign the last, reset', (t) => {
  const a = new OutboundAliases(3, 64, new Memory(arenaMemory(64, 3)));
  a.reset(2);
  t.is(a.limit, 2);
  t.is(a.assign(bytes('a/b'), 0, 3), 1);
  t.is(a.assign(bytes('c'), 0, 1), 2);
  t.is(a.assign(bytes('d'), 0, 1), 0, 'over the limit');
  t.deepEqual([a.count, a.find(bytes('c'), 0, 1)], [2, 2]);
  a.unassign(1);
  t.is(a.count, 2, 'only the last alias is taken back');
  a.unassign(2);
  t.deepEqual([a.count, a.find(bytes('c'), 0, 1)], [1, 0]);
  a.reset(10);
  t.deepEqual([a.limit, a.count], [3, 0]);
});

test('InboundQos2 keeps its ids packed: count, has, remove and clear', (t) => {
  const q = new InboundQos2(3, new Memory(inboundQos2Memory(3)));
  t.true(q.add(5));
  t.true(q.add(6));
  t.true(q.add(7));
  t.false(q.add(8));
  t.true(q.remove(5));
  t.false(q.remove(5));
  t.deepEqual([q.count, q.has(6), q.has(7), q.has(5)], [2, true, true, false]);
  t.true(q.add(65535));
  t.is(q.count, 3);
  q.clear();
  t.deepEqual([q.count, q.has(6)], [0, false]);
});

test('Subscriptions route to handlers kept beside the matched list', (t) => {
  const subs = new Subscriptions(2, 32, new Memory(subscriptionsMemory(2, 32)));
  const h = { onMessage() {} };
  t.is(subs.add(bytes('a/#'), 0, 3, 1, 0, h as never), 0);
  t.is(subs.add(bytes('b'), 0, 1, 0, 0, null), 1);
  t.deepEqual([subs.slots, subs.state(0), subs.options(0), subs.matched.length], [2, 1, 1, 4]);
  subs.free(0);
  t.is(subs.find(bytes('a/#'), 0, 3), -1);
});

test('Framer and Reader fields read back what was written', (t) => {
  const f = new Framer(16, new Memory(framerMemory(16)));
  t.deepEqual([f.version, f.streaming, f.maxPacketSize, f.start, f.fill], [4, false, 268435460, 0, 0]);
  f.maxPacketSize = 0xffffffff;
  f.streaming = true;
  f.version = 5;
  t.deepEqual([f.maxPacketSize, f.streaming, f.version], [0xffffffff, true, 5]);
  const r = new Reader();
  r.reset(new Uint8Array([0, 2, 65, 66]), 0, 4);
  t.is(r.binary(), 2);
  t.deepEqual([r.len, r.pos, r.err, r.remaining()], [2, 4, 0, 0]);
  t.is(r.u8(), 0);
  t.not(r.err, 0);
});
