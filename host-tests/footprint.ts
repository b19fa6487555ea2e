// `npm run footprint`: the memory the core holds for one client at default capacities, and the
// size of the core bundled and minified with esbuild. Last line is JSON for the bench record.
//
// clientBytes = the byte length of every typed array a Session and its Driver own (buffers and
// tables: counted exactly), plus an ESTIMATE of the object slots around them: 8 bytes per own
// property of every object and per element of every plain array reached (V8 and XS slots are
// 8 to 16 bytes; this is stated as an estimate). The heap delta measured with gc() over 50
// clients is printed beside it as a cross-check (Node's heap, not a device's).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Driver } from '../src/core/driver/index.js';
import type { Clock, Transport, TransportEvents, TimerTarget } from '../src/core/driver/index.js';
import { Packet } from '../src/core/codec/index.js';
import { Session, SessionHandler, SessionOptions } from '../src/core/session/index.js';

const SLOT = 8;

class NullHandler implements SessionHandler {
  onConnect(_a: Packet): void {}
  onMessage(_m: Packet): void {}
  onPublishDone(_h: number, _rc: number): void {}
  onSubscribe(_a: Packet): void {}
  onUnsubscribe(_a: Packet): void {}
  onClose(_rc: number, _s: Packet | null): void {}
}
class NullTransport implements Transport {
  open(_e: TransportEvents): void {}
  read(): number { return 0; }
  write(_b: Uint8Array, _o: number, len: number): number { return len; }
  close(): void {}
}
class NullClock implements Clock {
  now(): number { return 0; }
  arm(_at: number, _t: TimerTarget): void {}
  disarm(): void {}
  random(): number { return 0; }
}

function makeClient(): Driver {
  const session = new Session(new SessionOptions(), new NullHandler(), null);
  return new Driver(session, new NullTransport(), new NullClock());
}

/**
 * Walks the object graph from root: typed-array bytes and object slots. A session's tables are
 * views over one ArrayBuffer (src/core/codec/memory.ts) that do not overlap: each view counts
 * its own bytes (an ArrayBuffer of its own counts whole).
 */
function measureGraph(root: object, exclude: Set<object>): { typedBytes: number; slots: number; objects: number } {
  const seen = new Set<object>();
  let typedBytes = 0;
  let slots = 0;
  let objects = 0;
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v) || exclude.has(v)) continue;
    seen.add(v);
    objects++;
    if (ArrayBuffer.isView(v)) {
      typedBytes += v.byteLength;
      slots += 1;
      continue;
    }
    if (v instanceof ArrayBuffer) continue;
    const keys = Object.keys(v);
    slots += Array.isArray(v) ? v.length + 1 : keys.length + 1;
    for (const k of keys) stack.push((v as Record<string, unknown>)[k]);
  }
  return { typedBytes, slots, objects };
}

/** Adds every object reachable from root to seen. */
function measureGraphMark(root: object, seen: Set<object>): void {
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) continue;
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
}

async function heapPerClient(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return -1;
  const keep: Driver[] = [];
  gc(); gc();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 50; i++) keep.push(makeClient());
  gc(); gc();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  return Math.round((after - before) / keep.length);
}

async function coreMinBytes(): Promise<number> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const result = await build({
    stdin: {
      contents: "export * from './src/core/session/index.ts'; export * from './src/core/driver/index.ts'; export * from './src/core/codec/index.ts'; export * from './src/core/topic/index.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].contents.length;
}

async function main(): Promise<void> {
  const client = makeClient();
  // Shared, not per client: the module-level tables and the caller's handler/transport/clock.
  const exclude = new Set<object>([client.transport, client.clock, client.session.handler]);
  const g = measureGraph(client, exclude);
  const clientBytes = g.typedBytes + g.slots * SLOT;
  const o = new SessionOptions();
  console.log(`defaults: receive ${o.receiveBufferSize} B, send ${o.sendBufferSize} B, inflight ${o.inflight}, queue ${o.queueCount} msgs / store ${o.storeBytes} B,` +
    ` subscriptions ${o.subscriptions} (${o.subscriptionBytes} B), inbound QoS 2 ${o.inboundQos2}, aliases ${o.topicAliasMaximum} in / ${o.outboundAliases} out (${o.aliasBytes} B each way)`);
  console.log(`typed arrays: ${g.typedBytes} B exact; ${g.objects} objects, ${g.slots} slots x ${SLOT} B = ${g.slots * SLOT} B (estimate)`);
  // Where the exact bytes go, by part of the session (each view counted once, in the first part that holds it).
  const parts: string[] = [];
  const seenParts = new Set<object>(exclude);
  for (const [name, value] of Object.entries(client.session)) {
    if (value === null || typeof value !== 'object' || seenParts.has(value) || name === 'notifier') continue;
    const p = measureGraph(value, seenParts);
    measureGraphMark(value, seenParts);
    if (p.typedBytes > 0) parts.push(`${name} ${p.typedBytes}`);
  }
  console.log(`typed-array bytes by part: ${parts.join(', ')}`);
  const heap = await heapPerClient();
  console.log(heap >= 0 ? `cross-check: Node heap + array buffers per client, measured over 50 clients with gc(): ${heap} B` : 'cross-check skipped (run with --expose-gc)');
  const min = await coreMinBytes();
  console.log(`core (codec, topic, session, driver) bundled and minified with esbuild: ${min} B`);
  console.log(JSON.stringify({ bench: 'footprint', clientBytes, coreMinBytes: min }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
