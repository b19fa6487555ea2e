// The esp8266 memory profile (targets/xs/main.c: 1,024 slots and 16 KiB of chunks beyond the
// loaded program, no growth, a 256-slot stack) in the host XS runtime, against a mosquitto
// started here: the device client (targets/moddable) at ESP8266 capacities (512-byte buffers,
// 4 inflight, 4 subscriptions, a 1 KiB store) connects and subscribes; its heap is printed and
// must be within the budget, with no out-of-memory and no stack overflow.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startMosquitto } from '../peers/mosquitto.js';
import { lastJson, ROOT, runInXs, XS_BIN } from './helpers.js';

const CLIENT = join(ROOT, 'build/moddable/targets/moddable/client.js');
const LOOPBACK = join(ROOT, 'build/moddable/targets/moddable/check/loopback.js');
const OPTIONS = join(ROOT, 'build/moddable/src/core/session/options.js');
/** The device's slot size (32-bit XS) and the esp8266 profile's budget. */
const DEVICE_SLOT = 16;
const SLOT_BUDGET = 1024;
const CHUNK_BUDGET = 16 * 1024;

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(CLIENT)) throw new Error('run make xs-prereqs (make test does)');
});

function entry(port: number, id: string, version: number): string {
  return `import { DeviceClient } from ${JSON.stringify(CLIENT)};
import { smallCapacities } from ${JSON.stringify(LOOPBACK)};
import { SessionOptions, utf8 } from ${JSON.stringify(OPTIONS)};
const base = new Float64Array(8);
const after = new Float64Array(8);
let client = null;
const filter = utf8('xsmqtt/${id}/#');
const handler = {
  onConnect(ack) {
    if (ack.reasonCode !== 0) { print('FAIL connect ' + ack.reasonCode); __xsHost.exit(1); return; }
    client.session.subscribe(filter, 0, filter.length, 1, 0, null);
  },
  onSubscribe(ack) {
    gc();
    memoryStats(after);
    print('HEAP ' + JSON.stringify({ granted: ack.codes[0], slots: after[0] - base[0], chunks: after[1] - base[1] }));
    client.driver.stop(0);
    __xsHost.exit(0);
  },
  onMessage() {}, onPublishDone() {}, onUnsubscribe() {},
  onClose(code) { print('CLOSE ' + code); },
};
export default function main() {
  gc();
  memoryStats(base);
  const o = new SessionOptions();
  o.version = ${version};
  o.clientId = utf8('${id}');
  o.keepAlive = 30;
  smallCapacities(o);
  client = new DeviceClient('127.0.0.1', ${port}, o, handler);
  client.start();
}
`;
}

for (const version of [5, 4]) {
  test.serial(`esp8266 profile: the device client at ESP8266 capacities connects and subscribes within the budget (MQTT ${version === 5 ? '5.0' : '3.1.1'})`, async (t) => {
    const broker = await startMosquitto();
    t.teardown(() => broker.stop());
    const id = `e8266-${version}-${process.pid}`;
    const r = await runInXs(entry(broker.port, id, version), 'esp8266', 30000);
    t.notRegex(r.stderr, /out of memory|stack overflow/, r.stderr);
    t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const heap = lastJson(r.stdout, 'HEAP ') as { granted: number; slots: number; chunks: number };
    t.is(heap.granted, 1);
    t.log(`client at ESP8266 capacities: ${heap.slots} slots + ${heap.chunks} chunk bytes = ${heap.slots * DEVICE_SLOT + heap.chunks} B with 16-byte device slots (budget ${SLOT_BUDGET} slots + ${CHUNK_BUDGET} B)`);
    t.true(heap.slots > 0 && heap.slots <= SLOT_BUDGET, `slots ${heap.slots}`);
    t.true(heap.chunks > 0 && heap.chunks <= CHUNK_BUDGET, `chunks ${heap.chunks}`);
  });
}

const SENSOR = join(ROOT, 'build/moddable/targets/moddable/sensor.js');
const ESP8266_MAIN = join(ROOT, 'build/moddable/targets/esp8266/main.js');

// The example app at the esp8266 target's capacities. Its heap fits the esp8266 budget, but its
// calls need more than the profile's 256-slot stack (measured: about 288 slots), so it is
// measured under the esp32 profile and its heap compared with the esp8266 budget.
test.serial('the esp8266 example app at its capacities: connected, and its heap is within the esp8266 budget', async (t) => {
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
  const app = new SensorDevice(sensorConfig({ broker: '127.0.0.1', port: ${broker.port}, clientId: 'e8266-app-${process.pid}', version: 4 }, 'esp8266', 4, 60000), null, esp8266Capacities);
  app.start();
  let waited = 0;
  const poll = Timer.repeat(function () {
    waited += 10;
    if (!app.app.connected && waited < 5000) return;
    if (waited < 200) return;
    Timer.clear(poll);
    app.transport.settle();
    gc();
    memoryStats(after);
    print('APP ' + JSON.stringify({ connected: app.app.connected, slots: after[0] - base[0], chunks: after[1] - base[1] }));
    app.stop(0);
    __xsHost.exit(0);
  }, 10);
}
`;
  const r = await runInXs(contents, 'esp32', 30000);
  t.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const app = lastJson(r.stdout, 'APP ') as { connected: boolean; slots: number; chunks: number };
  t.true(app.connected);
  t.log(`esp8266 example app at its capacities: ${app.slots} slots + ${app.chunks} chunk bytes = ${app.slots * DEVICE_SLOT + app.chunks} B with 16-byte device slots (budget ${SLOT_BUDGET} slots + ${CHUNK_BUDGET} B)`);
  t.true(app.slots > 0 && app.slots <= SLOT_BUDGET, `slots ${app.slots}`);
  t.true(app.chunks > 0 && app.chunks <= CHUNK_BUDGET, `chunks ${app.chunks}`);
});
