// Module instantiation on the emulated ESP8266 as a Moddable device counts it: the modules the
// manifests preload are loaded before the budget applies (in flash on a device, free); the app's
// main module and any module not preloaded are instantiated under the budget.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleDevice, suiteEntry } from '../../src/node/bridge/bundle.js';
import { startLx106, type Lx106Exit } from '../../src/node/bridge/emulator.js';
import { requireLx106 } from './helpers.js';
import { preloadCases, tableApp, type Teardown } from '../xs/preload-cases.js';

test.before(() => requireLx106());

async function run(t: Teardown, table: string, preload: string[], profile: string): Promise<Lx106Exit> {
  const b = await bundleDevice(tableApp(table), false, preload);
  t.teardown(b.cleanup);
  const device = startLx106({ bundle: b.file, preload: b.preload, profile, stats: true, bridge: false, timeoutMs: 60000 });
  t.teardown(() => device.stop());
  return device.exited;
}

test('the suite\'s bundle keeps its main module apart from the library and suite modules the manifests preload', async (t) => {
  const b = await bundleDevice(suiteEntry({ broker: '127.0.0.1', port: 1883, device: 'split', version: 5 }));
  t.teardown(b.cleanup);
  const app = readFileSync(b.file, 'utf8');
  t.regex(app, /EmulatorConsole = class/);
  t.notRegex(app, /DeviceSuiteHost = class|class DeviceSuiteHost/);
  t.notRegex(app, /function encodePublish/);
  t.regex(app, /from "\.\/chunk-[A-Z0-9]+\.js"/);
  const preloaded = readFileSync(join(dirname(b.file), 'preload.js'), 'utf8');
  t.regex(preloaded, /from "\.\/chunk-[A-Z0-9]+\.js"/);
  t.notRegex(preloaded, /EmulatorConsole/);
});

preloadCases(test, 'lx106', run);
