// Overload: a client that stops reading costs bounded memory; its QoS 0 messages are dropped
// and counted, and a QoS 1 subscriber beside it still gets every message.
import test from 'ava';
import { PacketType as T } from '../../src/core/codec/constants.js';
import { Packet } from '../../src/core/codec/packet.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { broker, bytes, client, collect, RawClient, subscribe } from './helpers.js';

test('a subscriber that stops reading: QoS 0 to it is dropped and counted, memory stays bounded, others get everything (QoS 1)', async (t) => {
  const b = await broker(t, { highWaterMark: 256 * 1024 });
  const stuck = await RawClient.open(t, b.port, 4);
  await stuck.connect('stuck');
  subscribe(stuck, 'flood', 0);
  await stuck.expect(T.Suback);
  stuck.sock.pause();
  const ok = await client(t, b.port, { protocolVersion: 4 });
  const got = collect(ok);
  await ok.subscribeAsync('flood', { qos: 1 });
  // QoS 1 publications: the healthy QoS 1 subscriber must get every one (queue, back-pressure),
  // the stuck QoS 0 subscriber gets them at QoS 0, dropped once its socket is backed up.
  const p = new Packet(1, 0, 0);
  p.reset(T.Publish, 4);
  p.setTopic(...bytes('flood'));
  const payload = Buffer.alloc(1024, 7);
  p.setPayload(payload, 0, payload.length);
  p.qos = 1;
  const out = new Uint8Array(2048);
  const pub = await RawClient.open(t, b.port, 4);
  await pub.connect('flooder');
  // What the broker holds for the stuck client: bytes written to its socket and not yet taken by
  // the kernel (RSS was too coarse: it counts the test's own clients too).
  const stuckConn = [...b.broker.connections].find((c) => c.clientId === 'stuck');
  t.truthy(stuckConn);
  let held = 0;
  const sample = (): void => { held = Math.max(held, stuckConn?.link.buffered ?? 0); };
  const sampler = setInterval(sample, 5);
  t.teardown(() => clearInterval(sampler));
  for (let i = 0; i < 100; i++) {
    const parts: Buffer[] = [];
    for (let k = 1; k <= 100; k++) {
      p.packetId = i * 100 + k;
      parts.push(Buffer.from(out.subarray(0, encodePacket(p, out, 0))));
    }
    if (!pub.sock.write(Buffer.concat(parts))) await new Promise((r) => pub.sock.once('drain', r));
    sample();
  }
  await got.take(10000, 20000);
  t.true(b.broker.stats.droppedQos0 > 0, `dropped ${b.broker.stats.droppedQos0}`);
  t.is(b.broker.stats.droppedQueued, 0, 'no QoS 1 message was dropped: the publisher was held back instead');
  t.is(new Set(got.list.map((m) => m.packet.messageId)).size, got.list.length);
  sample();
  clearInterval(sampler);
  // Bounded by the high-water mark (256 KiB) plus one flush, not by the 10 MB published.
  t.true(held > 0, 'the stuck client did back up');
  t.true(held < 2 * 256 * 1024, `the broker held ${held} bytes for the stuck client (10 MB published)`);
});

test('random bytes from many connections, before and after CONNECT, end only those connections', async (t) => {
  const b = await broker(t);
  const logs: string[] = [];
  b.broker.onLog = (line) => { logs.push(line); };
  const good = await client(t, b.port, { protocolVersion: 5 });
  const got = collect(good);
  await good.subscribeAsync('fz/#', { qos: 1 });
  // A fixed seed: the same bytes every run.
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const raws: RawClient[] = [];
  for (let i = 0; i < 60; i++) {
    const raw = await RawClient.open(t, b.port, i % 2 ? 5 : 4);
    if (i % 3 !== 0) await raw.connect(`fz-${i}`);
    const junk = Buffer.alloc(1 + rand(300));
    for (let k = 0; k < junk.length; k++) junk[k] = rand(256);
    // Half start with a plausible packet type so the decoder gets past the fixed header.
    if (i % 2 === 0) junk[0] = (1 + rand(14)) << 4;
    raw.raw(junk);
    raws.push(raw);
  }
  const pub = await client(t, b.port, { protocolVersion: 4 });
  await pub.publishAsync('fz/ok', 'still here', { qos: 1 });
  t.is((await got.take(1))[0].payload, 'still here');
  t.false(logs.some((l) => l.includes('internal error')), logs.find((l) => l.includes('internal error')));
});
