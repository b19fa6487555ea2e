// Zero allocation, measured: 100,000 mixed packets through encodePacket, decodePacket and the
// Framer in a child process with a 1 MB young generation: no collection, no new-space growth.
// The same checker must catch a loop that allocates (the controls).
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { decodeBody, decodePacket, encodePacket, Framer, Packet, Reader } from '../../src/core/codec/index.js';
import { allocationFree, measureAllocation } from '../alloc/measure.js';
import { buildMix } from './alloc-workload.js';

const WORKLOAD = fileURLToPath(new URL('./alloc-workload.js', import.meta.url));
const ITERATIONS = 100000;
const WARMUP = 20000;

test('the measured mix encodes and decodes: 21 packets in 3.1.1 and 5, PUBLISH QoS 0-2 with and without v5 properties, acks, pings', (t) => {
  const mix = buildMix();
  t.is(mix.length, 21);
  const out = new Uint8Array(4096);
  const q = new Packet(4, 4, 4);
  for (const p of mix) {
    const n = encodePacket(p, out, 0);
    t.true(n > 0);
    t.is(decodePacket(new Reader(), out, 0, n, p.version, q), 0);
    t.is(q.type, p.type);
    if (p.type < 12) t.is(q.packetId, p.packetId); // PINGREQ/PINGRESP carry none
    t.is(q.props.userCount + q.props.subIdCount, p.props.userCount + p.props.subIdCount);
    const f = new Framer(256, null, decodeBody);
    f.version = p.version;
    f.push(out, 0, n);
    t.is(f.next(q), n);
  }
});

test('encode + decodePacket + Framer of 100,000 mixed packets: no GC, no new-space growth', async (t) => {
  const r = await measureAllocation({ module: WORKLOAD, exportName: 'codecMix', iterations: ITERATIONS, warmup: WARMUP });
  t.log(`gc ${r.gcCount}, new space ${r.newSpaceGrowth} B, heap ${r.heapGrowth} B, checksum ${r.result}`);
  t.is(r.gcCount, 0, r.gcTypes.join(','));
  t.is(r.newSpaceGrowth, 0);
  t.true(allocationFree(r));
  t.not(r.result, 0);
});

test('control: the same loop plus a subarray per packet is detected (collections and growth)', async (t) => {
  const r = await measureAllocation({ module: WORKLOAD, exportName: 'codecMixWithSubarray', iterations: ITERATIONS, warmup: WARMUP });
  t.log(`gc ${r.gcCount}, new space ${r.newSpaceGrowth} B`);
  t.false(allocationFree(r));
  // 100,000 views of at least 48 bytes each do not fit a 1 MB semi-space.
  t.true(r.gcCount > 0, `${r.gcCount} collections`);
});

test('control: one subarray per 1,000 packets (too little to collect) is detected as new-space growth', async (t) => {
  const r = await measureAllocation({ module: WORKLOAD, exportName: 'codecMixWithSubarray', args: { every: 1000 }, iterations: ITERATIONS, warmup: WARMUP });
  t.log(`gc ${r.gcCount}, new space ${r.newSpaceGrowth} B`);
  t.false(allocationFree(r));
  t.is(r.gcCount, 0);
  t.true(r.newSpaceGrowth >= 100 * 32, `${r.newSpaceGrowth} B for 100 views`);
});
