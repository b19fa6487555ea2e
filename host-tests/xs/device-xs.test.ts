// The device client (targets/moddable: session + driver over embedded:io/socket/tcp and timer)
// inside the host XS runtime, against a real mosquitto: it publishes to a topic it subscribes
// to, so each message goes out and comes back through the broker, at QoS 0, 1 and 2. After
// connect, subscribe and a warm-up, the engine's counters must not move: no slot, no chunk
// byte, no collection over the measured messages.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../peers/mosquitto.js';
import { lastJson, ROOT, runInXs, XS_BIN } from './helpers.js';

const LOOPBACK = join(ROOT, 'build/moddable/targets/moddable/check/loopback.js');

test.before(() => {
  if (!existsSync(XS_BIN)) throw new Error(`${XS_BIN} is missing: run make xs-runtime (make test does)`);
  if (!existsSync(LOOPBACK)) throw new Error(`${LOOPBACK} is missing: run make check-moddable (make test does)`);
});

interface Loop { version: number; qos: number; messages: number; bad: number; refused: number; slots: number; chunks: number; collections: number }

async function loopback(port: number, version: number, count: number, profile: string, capacities: string) {
  const config = { broker: '127.0.0.1', port, version, clientId: `xs-${version}-${capacities}-${process.pid}`, count, warmup: 100, window: 8, capacities };
  const entry = `import { Loopback } from ${JSON.stringify(LOOPBACK)};\nexport default function main() { new Loopback(${JSON.stringify(config)}).start(); }\n`;
  const r = await runInXs(entry, profile, 100000);
  const loops: Loop[] = r.stdout.split('\n').filter((l) => l.startsWith('LOOP ')).map((l) => JSON.parse(l.slice(5)));
  return { r, loops, heap: r.stdout.includes('HEAP ') ? lastJson(r.stdout, 'HEAP ') : null };
}

for (const [version, count] of [[5, 10000], [4, 2000]] as const) {
  test.serial(`MQTT ${version === 5 ? '5' : '3.1.1'}: QoS 0/1/2 both ways through mosquitto, ${count} messages each with no allocation inside XS`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const { r, loops, heap } = await loopback(broker.port, version, count, 'esp32', 'default');
    t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    t.true(r.stdout.includes('DONE'));
    t.is(loops.length, 3);
    for (const l of loops) {
      t.log(`QoS ${l.qos}: ${l.messages} messages out and back; ${l.slots} slots, ${l.chunks} chunk bytes, ${l.collections} collections`);
      t.is(l.messages, count);
      t.is(l.bad, 0);
      t.is(l.slots, 0, `QoS ${l.qos} slots`);
      t.is(l.chunks, 0, `QoS ${l.qos} chunk bytes`);
      t.is(l.collections, 0, `QoS ${l.qos} collections`);
    }
    if (heap) t.log(`client at default capacities: ${heap.slots} slots (${heap.slotSize} B each here) + ${heap.chunks} chunk bytes`);
  });
}

test.serial('esp8266 profile: running out of the fixed budget is a clean out-of-memory error', async (t) => {
  const entry = 'export default function main() { const keep = []; for (let i = 0; i < 100000; i++) keep.push({ i }); print("unreachable"); }\n';
  const r = await runInXs(entry, 'esp8266', 30000);
  t.is(r.code, 3);
  t.false(r.stdout.includes('unreachable'));
  t.regex(r.stderr, /out of memory \(profile esp8266\)/);
});
