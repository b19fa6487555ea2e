// `npm run bench:codec`: xsmqtt's codec and mqtt-packet 9 on the same packets, in one run.
// Encode: encodePacket into a caller-owned buffer vs mqtt-packet's generate (a new Buffer).
// Decode: Framer.push + Framer.next, as a client receives bytes, vs one reused
// mqtt-packet parser's parse (which also frames). Throughput is operations per CPU second
// (process.cpuUsage, so other processes on a shared machine distort it less), the median of
// RUNS runs, ours and the peer's alternating.
//
// Allocation: run with --expose-gc. Each measurement is a loop of ALLOC_ITERATIONS packets
// after gc(), watched by v8.GCProfiler: allocated = growth of the young generation (new space
// and new large-object space) + what every collection during the loop took out of it; the
// cost of measuring an empty loop is subtracted. This counts JS objects allocated by the code
// (where V8 puts them), not compiled code, and not Buffer backing stores, which live outside
// the JS heap (Node's 8 KB pool): mqtt-packet's figure is a lower bound.
import os from 'node:os';
import v8 from 'node:v8';
import { generate, parser } from 'mqtt-packet';
import { decodeBody, decodePacket, encodePacket, Framer, Packet, Reader } from '../../src/core/codec/index.js';
import { fromMqtt, MqttObject } from '../codec/helpers/convert.js';

const RUNS = 9;
const TARGET_MS = 60;
const ALLOC_ITERATIONS = 20000;

interface Case {
  name: string;
  version: number;
  obj: MqttObject;
  publish: boolean;
}

const topic = 'sensors/building-7/room-12/temperature';
const CASES: Case[] = [
  { name: 'PUBLISH QoS 0, 16 B', version: 4, publish: true, obj: { cmd: 'publish', topic, payload: Buffer.alloc(16, 0x31), qos: 0, dup: false, retain: false } },
  { name: 'PUBLISH QoS 1, 1 KiB', version: 4, publish: true, obj: { cmd: 'publish', topic, payload: Buffer.alloc(1024, 0x32), qos: 1, dup: false, retain: false, messageId: 4321 } },
  {
    name: 'PUBLISH v5, 4 properties', version: 5, publish: true,
    obj: {
      cmd: 'publish', topic, payload: Buffer.alloc(64, 0x33), qos: 1, dup: false, retain: false, messageId: 77,
      properties: { payloadFormatIndicator: true, messageExpiryInterval: 3600, contentType: 'application/json', userProperties: { unit: 'celsius' } },
    },
  },
  {
    name: 'SUBSCRIBE, 5 filters', version: 4, publish: false,
    obj: {
      cmd: 'subscribe', messageId: 12,
      subscriptions: ['a/b/c', 'sensors/+/temperature', 'alerts/#', '$SYS/broker/load/#', 'x/y'].map((t, i) => ({ topic: t, qos: i % 3 })),
    },
  },
  {
    name: 'CONNECT', version: 4, publish: false,
    obj: { cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 60, clientId: 'device-00042', username: 'device', password: Buffer.from('secret') },
  },
];

type Loop = (n: number) => number;

interface Subject {
  encode: Loop;
  decode: Loop;
}

function ours(c: Case): Subject {
  const p = fromMqtt(c.obj, c.version, new Packet(8, 4, 4));
  const out = new Uint8Array(8192);
  const len = encodePacket(p, out, 0);
  if (len <= 0) throw new Error(`${c.name}: encodePacket ${len}`);
  const wire = out.slice(0, len);
  const framer = new Framer(8192, null, decodeBody);
  framer.version = c.version;
  const q = new Packet(8, 4, 4);
  const reader = new Reader();
  if (decodePacket(reader, wire, 0, len, c.version, q) !== 0) throw new Error(`${c.name}: decodePacket`);
  return {
    encode(n) {
      let s = 0;
      for (let i = 0; i < n; i++) s += encodePacket(p, out, 0);
      return s;
    },
    decode(n) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        framer.push(wire, 0, len);
        s += framer.next(q);
      }
      return s;
    },
  };
}

function peer(c: Case): Subject {
  const opts = { protocolVersion: c.version };
  const wire = generate(c.obj as never, opts);
  const pp = parser(opts);
  let packets = 0;
  pp.on('packet', () => { packets++; });
  pp.on('error', (e: Error) => { throw e; });
  return {
    encode(n) {
      let s = 0;
      for (let i = 0; i < n; i++) s += generate(c.obj as never, opts).length;
      return s;
    },
    decode(n) {
      const before = packets;
      for (let i = 0; i < n; i++) pp.parse(wire);
      if (packets - before !== n) throw new Error(`${c.name}: mqtt-packet parsed ${packets - before} of ${n}`);
      return packets;
    },
  };
}

let sink = 0;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** CPU seconds (user + system, all threads) spent in loop(n). */
function cpuSeconds(loop: Loop, n: number): number {
  const c0 = process.cpuUsage();
  sink += loop(n);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** Iterations that take about TARGET_MS of CPU (after warming the loop up). */
function sizeRun(loop: Loop): number {
  let n = 1000;
  for (;;) {
    const ms = cpuSeconds(loop, n) * 1000;
    if (ms > TARGET_MS / 4 || n > 1e8) return Math.max(1000, Math.round((n * TARGET_MS) / Math.max(ms, 0.001)));
    n *= 4;
  }
}

/**
 * Operations per CPU second of ours and the peer's loop: RUNS runs each, alternating so that
 * load from other processes falls on both alike; the median of each.
 */
function opsPerSecond(a: Loop, b: Loop): [number, number] {
  const na = sizeRun(a);
  const nb = sizeRun(b);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    ra.push(na / cpuSeconds(a, na));
    rb.push(nb / cpuSeconds(b, nb));
  }
  return [median(ra), median(rb)];
}

const gc = (globalThis as { gc?: () => void }).gc;

interface SpaceStats { spaceName: string; spaceUsedSize: number }
interface GcRecord { beforeGC: { heapSpaceStatistics: SpaceStats[] }; afterGC: { heapSpaceStatistics: SpaceStats[] } }

const YOUNG = new Set(['new_space', 'new_large_object_space']);

function youngUsed(spaces: { space_name: string; space_used_size: number }[]): number {
  let n = 0;
  for (const s of spaces) if (YOUNG.has(s.space_name)) n += s.space_used_size;
  return n;
}

function youngUsedProfiled(spaces: SpaceStats[]): number {
  let n = 0;
  for (const s of spaces) if (YOUNG.has(s.spaceName)) n += s.spaceUsedSize;
  return n;
}

/**
 * Young-generation bytes allocated by loop(n): growth of the young generation, plus what each
 * collection during the loop took out of it (freed or promoted).
 */
function allocatedBytes(loop: Loop, n: number): number {
  gc!();
  const before = youngUsed(v8.getHeapSpaceStatistics());
  const profiler = new v8.GCProfiler();
  profiler.start();
  sink += loop(n);
  const profile = profiler.stop();
  const after = youngUsed(v8.getHeapSpaceStatistics());
  let collected = 0;
  for (const s of profile.statistics as GcRecord[]) {
    collected += youngUsedProfiled(s.beforeGC.heapSpaceStatistics) - youngUsedProfiled(s.afterGC.heapSpaceStatistics);
  }
  return after - before + collected;
}

/** Young-generation bytes allocated per iteration of loop (NaN without --expose-gc). */
function bytesPerOp(loop: Loop): number {
  if (!gc) return NaN;
  loop(ALLOC_ITERATIONS); // warm
  const empty = Math.min(allocatedBytes(loop, 0), allocatedBytes(loop, 0));
  const bytes = allocatedBytes(loop, ALLOC_ITERATIONS) - empty;
  return Math.max(0, bytes / ALLOC_ITERATIONS);
}

function fmtOps(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(0)}k`;
}

function geomean(xs: number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

interface Row {
  name: string;
  publish: boolean;
  encOurs: number;
  encPeer: number;
  decOurs: number;
  decPeer: number;
  allocOurs: number;
  allocPeer: number;
}

function main(): void {
  const started = Date.now();
  const rows: Row[] = [];
  const subjects = CASES.map((c) => [ours(c), peer(c)]);
  // Warm every loop up first, so no case pays for the others' first compilation.
  for (let round = 0; round < 2; round++) {
    for (const pair of subjects) for (const sub of pair) { sizeRun(sub.encode); sizeRun(sub.decode); }
  }
  for (let i = 0; i < CASES.length; i++) {
    const c = CASES[i];
    const [a, b] = subjects[i];
    const [encOurs, encPeer] = opsPerSecond(a.encode, b.encode);
    const [decOurs, decPeer] = opsPerSecond(a.decode, b.decode);
    const row: Row = {
      name: c.name,
      publish: c.publish,
      encOurs,
      encPeer,
      decOurs,
      decPeer,
      // Per packet: one encode plus one decode.
      allocOurs: bytesPerOp(a.encode) + bytesPerOp(a.decode),
      allocPeer: bytesPerOp(b.encode) + bytesPerOp(b.decode),
    };
    rows.push(row);
  }
  const head = ['packet', 'encode xsmqtt', 'encode mqtt-packet', 'ratio', 'decode xsmqtt', 'decode mqtt-packet', 'ratio', 'B/packet xsmqtt', 'B/packet mqtt-packet'];
  const lines = rows.map((r) => [
    r.name, `${fmtOps(r.encOurs)}/s`, `${fmtOps(r.encPeer)}/s`, `${(r.encOurs / r.encPeer).toFixed(1)}x`,
    `${fmtOps(r.decOurs)}/s`, `${fmtOps(r.decPeer)}/s`, `${(r.decOurs / r.decPeer).toFixed(1)}x`,
    Number.isNaN(r.allocOurs) ? 'n/a' : r.allocOurs.toFixed(1), Number.isNaN(r.allocPeer) ? 'n/a' : r.allocPeer.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`codec benchmark: xsmqtt vs mqtt-packet 9, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs, median of ${RUNS} alternating runs of ~${TARGET_MS} ms of CPU each (ops per CPU second)`);
  console.log('encode: encodePacket into a reused buffer vs generate(); decode: Framer.push+next vs parser.parse()');
  console.log('B/packet: JS heap (young generation) bytes allocated by one encode plus one decode, measured with v8.GCProfiler over 20,000 packets');
  console.log(fmt(head));
  for (const l of lines) console.log(fmt(l));
  const pubs = rows.filter((r) => r.publish);
  const decodeRatio = geomean(pubs.map((r) => r.decOurs / r.decPeer));
  const encodeRatio = geomean(pubs.map((r) => r.encOurs / r.encPeer));
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const allocOurs = mean(rows.map((r) => r.allocOurs));
  const allocPeer = mean(rows.map((r) => r.allocPeer));
  console.log(`PUBLISH geometric means: decode ${decodeRatio.toFixed(1)}x, encode ${encodeRatio.toFixed(1)}x; took ${((Date.now() - started) / 1000).toFixed(1)} s (checksum ${sink % 1000})`);
  const round = (x: number, d: number): number | null => (Number.isNaN(x) ? null : Number(x.toFixed(d)));
  console.log(JSON.stringify({
    bench: 'codec',
    decodeRatio: round(decodeRatio, 2),
    encodeRatio: round(encodeRatio, 2),
    allocBytesPerPacket: round(allocOurs, 1),
    peerAllocBytesPerPacket: round(allocPeer, 0),
  }));
}

main();
