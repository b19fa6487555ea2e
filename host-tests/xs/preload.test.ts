// Module instantiation as a Moddable device counts it: a module the manifests preload is in
// flash and costs the app's heap nothing; a module they do not preload (an app's main, test
// harnesses) is instantiated in RAM when it loads, under the profile's budget.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundle, ROOT, runXs, XS_BIN } from './helpers.js';
import { preloadedFiles } from '../../src/node/bridge/preload.js';
import { type Exit, preloadCases, tableApp, type Teardown } from './preload-cases.js';

const SENSOR = join(ROOT, 'build/moddable/targets/moddable/sensor.js');
const ESP8266_MAIN = join(ROOT, 'build/moddable/targets/esp8266/main.js');

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(SENSOR)) throw new Error('run make xs-prereqs (make test does)');
});

async function run(t: Teardown, table: string, preload: string[], profile: string): Promise<Exit> {
  const b = await bundle(tableApp(table), false, {}, preload);
  t.teardown(() => b.cleanup());
  return runXs(b.file, profile, 30000, ['--stats']);
}

test('the manifests preload the library and the apps\' modules, never an app\'s main', (t) => {
  const files = preloadedFiles(ROOT);
  for (const f of ['build/moddable/src/core/codec/varint.js', 'build/moddable/targets/moddable/client.js', 'build/moddable/targets/moddable/sensor.js',
    'build/moddable/src/core/app/app.js', 'build/moddable/targets/moddable/mqttclient.js', 'dist/src/core/session/session.js']) t.true(files.has(join(ROOT, f)), f);
  for (const f of ['build/moddable/targets/esp8266/main.js', 'build/moddable/targets/esp32/main.js', 'build/moddable/targets/moddable/check/loopback.js']) t.false(files.has(join(ROOT, f)), f);
});

test('a bundle keeps the preloaded modules apart: the esp8266 main in the charged part, the sensor app in the preloaded one', async (t) => {
  const b = await bundle(`import { esp8266Capacities } from ${JSON.stringify(ESP8266_MAIN)};\nimport { SensorDevice } from ${JSON.stringify(SENSOR)};\nexport default function main() { print(typeof SensorDevice + ' ' + typeof esp8266Capacities); }\n`);
  t.teardown(() => b.cleanup());
  const app = readFileSync(b.file, 'utf8');
  t.regex(app, /esp8266Capacities/);
  t.notRegex(app, /class SensorDevice/);
  t.regex(app, /from "\.\/chunk-[A-Z0-9]+\.js"/);
  t.regex(readFileSync(join(dirname(b.file), 'preload.js'), 'utf8'), /from "\.\/chunk-[A-Z0-9]+\.js"/);
  const r = await runXs(b.file, 'esp8266', 30000);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^function \w+/);
});

preloadCases(test, 'host XS', run);
