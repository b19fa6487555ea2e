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
