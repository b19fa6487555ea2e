// maxSubscriptionsPerClient: a client sending SUBSCRIBE after SUBSCRIBE of new filters holds at
// most that many subscriptions; each filter past it is refused in the SUBACK, counted and traced.
import test from 'ava';
import { PacketType as T } from '../../src/core/codec/constants.js';
import { encodePacket } from '../../src/core/codec/codec.js';
import { Packet } from '../../src/core/codec/packet.js';
import { parseArgs } from '../../src/broker/cli.js';
import { sysEntries } from '../../src/broker/stats.js';
import { broker, RawClient } from './helpers.js';

/** A SUBSCRIBE of the given filters (options: QoS 1), encoded with a record large enough for them. */
function subscribeAll(raw: RawClient, pid: number, filters: string[], qos = 1): void {
  const p = new Packet(filters.length, filters.length, 8);
  p.reset(T.Subscribe, raw.version);
  p.packetId = pid;
  for (const f of filters) {
    const b = Buffer.from(f);
    p.addFilter(b, 0, b.length, qos);
  }
  const out = new Uint8Array(1 << 20);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode failed: ${-n}`);
  raw.raw(Buffer.from(out.subarray(0, n)));
}

async function open(t: Parameters<typeof RawClient.open>[0], port: number, id: string, version = 5): Promise<RawClient> {
  const raw = await RawClient.open(t, port, version);
  raw.pkt = new Packet(1024, 1024, 8);
  await raw.connect(id);
  return raw;
}

test('a new filter past maxSubscriptionsPerClient gets SUBACK 0x97; re-subscribing an existing one is allowed', async (t) => {
  const lines: string[] = [];
  const b = await broker(t, { maxSubscriptionsPerClient: 3, sysInterval: 0, onTrace: (line) => lines.push(line) });
  const raw = await open(t, b.port, 'many');
  subscribeAll(raw, 1, ['a', 'b', 'c', 'd']);
  t.deepEqual((await raw.expect(T.Suback)).codes, [1, 1, 1, 0x97]);
  // Existing filters (new QoS) and the refused one again, in one packet.
  subscribeAll(raw, 2, ['a', 'd', 'c'], 2);
  t.deepEqual((await raw.expect(T.Suback)).codes, [2, 0x97, 2]);
  // An unsubscribe frees a place.
  raw.send(T.Unsubscribe, (p) => { p.packetId = 3; p.addFilter(Buffer.from('b'), 0, 1, 0); });
  await raw.expect(T.Unsuback);
  subscribeAll(raw, 4, ['d']);
  t.deepEqual((await raw.expect(T.Suback)).codes, [1]);
  t.deepEqual([...b.broker.sessions.get('many')!.subs.keys()].sort(), ['a', 'c', 'd']);
  t.is(b.broker.stats.refused.subscriptions, 2);
  t.true(lines.some((l) => l.includes('many !! REFUSE subscriptions')), lines.join('\n'));
  const sys = sysEntries(b.broker.stats, { uptime: 0, maxConnections: 0, persistent: 0 });
  t.true(sys.some(([k, v]) => k === 'refused/subscriptions' && v === '2'));
});

test('MQTT 3.1.1: a filter past the limit gets SUBACK 0x80', async (t) => {
  const b = await broker(t, { maxSubscriptionsPerClient: 1, sysInterval: 0 });
  const raw = await open(t, b.port, 'old', 4);
  subscribeAll(raw, 1, ['x/#', 'y/#']);
  t.deepEqual((await raw.expect(T.Suback)).codes, [1, 0x80]);
  t.is(b.broker.stats.refused.subscriptions, 1);
});

test('the hostile pattern (SUBSCRIBEs of 200 new filters, again and again) stops at the default 1000', async (t) => {
  const b = await broker(t, { sysInterval: 0 });
  t.is(b.broker.opts.maxSubscriptionsPerClient, 1000);
  const raw = await open(t, b.port, 'flood');
  for (let k = 0; k < 6; k++) {
    subscribeAll(raw, k + 1, Array.from({ length: 200 }, (_, i) => `flood/${k}/${i}`));
    const codes = (await raw.expect(T.Suback, 10000)).codes;
    t.is(codes.length, 200);
    t.true(codes.every((c) => c === (k < 5 ? 1 : 0x97)), `packet ${k}`);
  }
  t.is(b.broker.sessions.get('flood')!.subs.size, 1000);
  t.is(b.broker.stats.refused.subscriptions, 200);
});

test('--max-subscriptions-per-client sets the limit', (t) => {
  t.is(parseArgs(['--max-subscriptions-per-client', '5']).options.maxSubscriptionsPerClient, 5);
});
