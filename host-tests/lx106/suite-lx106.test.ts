// The on-device integration suite on the emulated ESP8266 against the companion broker (the
// suite profile of make device-test), in MQTT 5.0 and 3.1.1, under the esp8266 memory profile
// (32 KiB for slots and chunks beyond the loaded program, a 256-slot stack): every scenario
// passes, and the runtime's report of the application's high-water (its main module charged, as
// on a device) leaves room for the stack in Moddable's default 32 KiB static block.
import test from 'ava';
import { Acl, startBroker } from '../../src/broker/index.js';
import { SUITE_ACL, SUITE_RECEIVE_MAXIMUM } from '../../src/node/sim/device-test.js';
import { bundleDevice, suiteEntry } from '../../src/node/bridge/bundle.js';
import { startLx106 } from '../../src/node/bridge/emulator.js';
import { requireLx106 } from './helpers.js';

/** Moddable's default creation on esp (build/devices/esp/manifest.json): the static block, and the 256-slot stack in it at 16 bytes a slot. */
const MODDABLE_ESP_STATIC = 32768;
const DEVICE_STACK_BYTES = 256 * 16;

test.before(() => requireLx106());

for (const version of [5, 4]) {
  test.serial(`MQTT ${version === 5 ? '5.0' : '3.1.1'}: every scenario of the suite passes on lx106`, async (t) => {
    const broker = await startBroker({ port: 0, host: '127.0.0.1', receiveMaximum: version === 5 ? SUITE_RECEIVE_MAXIMUM : undefined, acl: Acl.parse(SUITE_ACL), sysInterval: 0 });
    t.teardown(() => broker.close());
    const b = await bundleDevice(suiteEntry({ broker: '127.0.0.1', port: broker.port, device: `lx106-t${version}`, version }));
    t.teardown(b.cleanup);
    const device = startLx106({ bundle: b.file, preload: b.preload, profile: 'esp8266', stats: true, timeoutMs: 100000 });
    t.teardown(() => device.stop());
    const r = await device.exited;
    const lines = r.stdout.split('\n');
    const plan = lines.find((l) => /^1\.\.\d+$/.test(l));
    t.truthy(plan, r.stdout + r.stderr);
    const count = Number(plan!.slice(3));
    const results = lines.filter((l) => /^(not )?ok \d+ /.test(l));
    t.is(results.length, count, r.stdout);
    for (const l of results) t.false(l.startsWith('not ok'), l);
    t.is(r.code, 0, r.stdout + r.stderr);
    t.notRegex(r.stderr, /out of memory|stack overflow/);
    t.log(lines.find((l) => l.startsWith('# suite finished')) ?? '');
    const budget = /# xs budget: profile esp8266, application high-water (\d+) of (\d+) bytes \((\d+) slots x 16 \+ (\d+) chunk bytes/.exec(r.stderr);
    t.truthy(budget, r.stderr);
    const [high, of] = [Number(budget![1]), Number(budget![2])];
    t.log(`heap high-water on lx106: ${high} of ${of} bytes (${budget![3]} slots x 16 + ${budget![4]} chunk bytes)`);
    t.true(high > 0 && high <= of);
    // targets/esp8266/suite runs in Moddable's default creation for esp: one 32 KiB static block holds the 256-slot stack too.
    t.true(high + DEVICE_STACK_BYTES <= MODDABLE_ESP_STATIC, `${high} B of slots and chunks + ${DEVICE_STACK_BYTES} B of stack > ${MODDABLE_ESP_STATIC} B`);
  });
}
