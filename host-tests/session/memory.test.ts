// A session's typed arrays are views over one ArrayBuffer (src/core/codec/memory.ts), sized by
// sessionMemory(): the size must be exact for any capacities, or a view would spill into an
// ArrayBuffer of its own (7 XS heap slots instead of 4) or bytes would be wasted.
import test from 'ava';
import { Session } from '../../src/core/session/session.js';
import { SessionOptions, utf8 } from '../../src/core/session/options.js';
import { Memory, u8 } from '../../src/core/codec/memory.js';

const handler = { onConnect() {}, onMessage() {}, onPublishDone() {}, onSubscribe() {}, onUnsubscribe() {}, onClose() {} };

test('sessionMemory is exactly what a session takes, for any capacities, both versions, with and without will or client id', (t) => {
  // 300 capacity sets from a fixed seed (xorshift32; this file also runs inside XS, without fast-check).
  let seed = 0x2545f491;
  const int = (min: number, max: number): number => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return min + (seed % (max - min + 1));
  };
  const ids = ['', 'c', 'device-0042'];
  let bad = 0;
  for (let run = 0; run < 300; run++) {
    const o = new SessionOptions();
    o.version = int(3, 5);
    o.clientId = utf8(ids[int(0, 2)]);
    if (int(0, 1) === 1) o.willTopic = utf8('w/t');
    o.receiveBufferSize = int(64, 5000);
    o.sendBufferSize = int(64, 5000);
    o.inflight = int(0, 20);
    o.queueCount = int(0, 20);
    o.storeBytes = int(0, 9000);
    o.subscriptions = int(0, 17);
    o.subscriptionBytes = int(0, 999);
    o.filtersPerPacket = int(1, 9);
    o.pendingRequests = int(0, 7);
    o.inboundQos2 = int(0, 13);
    o.topicAliasMaximum = int(0, 9);
    o.outboundAliases = int(0, 9);
    o.aliasBytes = int(0, 777);
    o.userProperties = int(0, 6);
    o.subscriptionIds = int(0, 5);
    const s = new Session(o, handler, null);
    const m = s.memory;
    if (m.used !== m.buf.byteLength || s.sendBuffer().buffer !== m.buf || s.receiveBuffer().buffer !== m.buf || (o.storeBytes > 0 && s.store.arena.bytes.buffer !== m.buf)) bad++;
  }
  t.is(bad, 0);
});

test('a Memory too small for its views throws: a sizing mistake fails loudly', (t) => {
  const m = new Memory(16);
  const a = u8(m, 10);
  t.is(a.buffer, m.buf);
  let thrown = '';
  try {
    u8(m, 10);
  } catch (e) {
    thrown = (e as Error).message;
  }
  t.true(thrown.includes('too small'), thrown);
  t.is(m.used, 16);
  // no entries: one shared empty array, nothing taken
  t.is(u8(m, 0).length, 0);
  t.is(u8(m, 0), u8(null, 0));
  t.is(m.used, 16);
});
