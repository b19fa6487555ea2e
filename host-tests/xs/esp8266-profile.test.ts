// The esp8266 memory profile of the host XS runtime (targets/xs/main.c: 32 KiB for slots, at a
// device's 16 bytes each, and chunks together beyond the loaded program, no growth, a 256-slot
// stack), against a mosquitto started here. The device client (targets/moddable) at ESP8266
// capacities (512-byte buffers, 4 inflight, 4 subscriptions, a 1 KiB store) connects,
// subscribes and sends 1,000 messages at each QoS to itself, allocating nothing per message;
// the example application connects. Heap and stack depth are printed; an out-of-memory or a
// stack overflow fails the test (the runtime exits with 3 or 4).
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../peers/mosquitto.js';
import { lastJson, ROOT, runInXs, XS_BIN } from './helpers.js';

const LOOPBACK = join(ROOT, 'build/moddable/targets/moddable/check/loopback.js');
/** The device's slot size (32-bit XS), the esp8266 profile's heap and stack. */
const DEVICE_SLOT = 16;
const HEAP_BUDGET = 32 * 1024;
const STACK_SLOTS = 256;

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(LOOPBACK)) throw new Error('run make xs-prereqs (make test does)');
});

interface Loop { qos: number; messages: number; bad: number; slots: number; chunks: number; collections: number }

for (const version of [5, 4]) {
  test.serial(`esp8266 profile: the device client at ESP8266 capacities exchanges QoS 0/1/2 messages within the heap and the 256-slot stack (MQTT ${version === 5 ? '5.0' : '3.1.1'})`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const config = { broker: '127.0.0.1', port: broker.port, version, clientId: `e8266-${version}-${process.pid}`, count: 1000, warmup: 50, window: 4, capacities: 'small' };
    const r = await runInXs(`import { Loopback } from ${JSON.stringify(LOOPBACK)};\nexport default function main() { new Loopback(${JSON.stringify(config)}).start(); }\n`, 'esp8266', 60000);
    t.notRegex(r.stderr, /out of memory|stack overflow/, r.stderr);
    t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const heap = lastJson(r.stdout, 'HEAP ') as { slots: number; chunks: number };
    const stack = lastJson(r.stdout, 'STACK ') as { peak: number };
    const loops: Loop[] = r.stdout.split('\n').filter((l) => l.startsWith('LOOP ')).map((l) => JSON.parse(l.slice(5)));
    t.is(loops.length, 3);
    for (const l of loops) {
      t.is(l.messages, 1000);
      t.is(l.bad, 0);
      t.is(l.slots + l.chunks + l.collections, 0, `QoS ${l.qos}: ${l.slots} slots, ${l.chunks} chunk bytes, ${l.collections} collections`);
    }
    const bytes = heap.slots * DEVICE_SLOT + heap.chunks;
    t.log(`client at ESP8266 capacities: ${heap.slots} slots + ${heap.chunks} chunk bytes = ${bytes} B with 16-byte device slots (budget ${HEAP_BUDGET} B); deepest stack ${stack.peak} of ${STACK_SLOTS} slots`);
    t.true(bytes > 0 && bytes <= HEAP_BUDGET, `${bytes} B`);
    t.true(stack.peak > 0 && stack.peak < STACK_SLOTS, `stack ${stack.peak}`);
  });
}

const SENSOR = join(ROOT, 'build/moddable/targets/moddable/sensor.js');
const ESP8266_MAIN = join(ROOT, 'build/moddable/targets/esp8266/main.js');

test.serial('the esp8266 example app at its capacities, in the esp8266 profile: connected, publishing, within the heap and the stack', async (t) => {
  const broker = await startMosquitto();
  t.teardown(() => broker.stop());
  const contents = `import Timer from 'timer';
import { SensorDevice, sensorConfig } from ${JSON.stringify(SENSOR)};
import { esp8266Capacities } from ${JSON.stringify(ESP8266_MAIN)};
export default function main() {
  const base = new Float64Array(8);
  const after = new Float64Array(8);
  gc();
  memoryStats(base);
  __xsHost.stackPeak(true);
  const app = new SensorDevice(sensorConfig({ broker: '127.0.0.1', port: ${broker.port}, clientId: 'e8266-app-${process.pid}', version: 4 }, 'esp8266', 4, 100), null, esp8266Capacities);
  app.start();
  let waited = 0;
  const poll = Timer.repeat(function () {
    waited += 10;
    if ((!app.app.connected || app.app.acked < 3) && waited < 5000) return;
    Timer.clear(poll);
    app.transport.settle();
    gc();
    memoryStats(after);
    print('APP ' + JSON.stringify({ connected: app.app.connected, acked: app.app.acked, slots: after[0] - base[0], chunks: after[1] - base[1], stack: __xsHost.stackPeak(false) }));
    app.stop(0);
    __xsHost.exit(0);
  }, 10);
}
`;
  const r = await runInXs(contents, 'esp8266', 30000);
  t.notRegex(r.stderr, /out of memory|stack overflow/, r.stderr);
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const app = lastJson(r.stdout, 'APP ') as { connected: boolean; acked: number; slots: number; chunks: number; stack: number };
  t.true(app.connected);
  t.true(app.acked >= 3, `telemetry acknowledged: ${app.acked}`);
  const bytes = app.slots * DEVICE_SLOT + app.chunks;
  t.log(`esp8266 example app: ${app.slots} slots + ${app.chunks} chunk bytes = ${bytes} B with 16-byte device slots (budget ${HEAP_BUDGET} B); deepest stack ${app.stack} of ${STACK_SLOTS} slots`);
  t.true(bytes > 0 && bytes <= HEAP_BUDGET, `${bytes} B`);
  t.true(app.stack > 0 && app.stack < STACK_SLOTS);
});
