// Module instantiation as a Moddable device counts it: a module the manifests preload is in
// flash and costs the app's heap nothing; a module they do not preload (an app's main, test
// harnesses) is instantiated in RAM when it loads, under the profile's budget.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundle, ROOT, runXs, XS_BIN } from './helpers.js';
import { preloadedFiles } from '../../src/node/bridge/preload.js';

const DEVICE_SLOT = 16;
const SENSOR = join(ROOT, 'build/moddable/targets/moddable/sensor.js');
const ESP8266_MAIN = join(ROOT, 'build/moddable/targets/esp8266/main.js');

test.before(() => {
  if (!existsSync(XS_BIN) || !existsSync(SENSOR)) throw new Error('run make xs-prereqs (make test does)');
});

/** The runtime's `# xs budget` line: the application's high-water in device bytes. */
function highWater(stderr: string): number {
  const m = /application high-water (\d+) of/.exec(stderr);
  if (m === null) throw new Error(`no budget line in:\n${stderr}`);
  return Number(m[1]);
}

/** A module whose body builds `rows` objects of three properties: a sizeable module-level table. */
function tableModule(t: { teardown(f: () => void): void }, rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-table-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'table.js');
  writeFileSync(file, `export const table = [];\nfor (let i = 0; i < ${rows}; i++) table.push({ id: i, next: i + 1, name: 'row' });\n`);
  return file;
}

async function run(t: { teardown(f: () => void): void }, table: string, preload: string[], profile: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const b = await bundle(`import { table } from ${JSON.stringify(table)};\nexport default function main() { print('ROWS ' + table.length); }\n`, false, {}, preload);
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

test('a module-level table costs nothing when preloaded and is charged to the budget when not (esp32 profile)', async (t) => {
  const rows = 200;
  const table = tableModule(t, rows);
  const free = await run(t, table, [table], 'esp32');
  const charged = await run(t, table, [], 'esp32');
  t.is(free.code, 0, free.stderr);
  t.is(charged.code, 0, charged.stderr);
  t.is(free.stdout.trim(), `ROWS ${rows}`);
  t.is(charged.stdout.trim(), `ROWS ${rows}`);
  const cost = highWater(charged.stderr) - highWater(free.stderr);
  t.log(`${rows} rows: high-water ${highWater(free.stderr)} B preloaded, ${highWater(charged.stderr)} B not`);
  // each row is an object and its three properties: four slots at least
  t.true(cost >= rows * 4 * DEVICE_SLOT, `${cost} B`);
});

test('under the esp8266 profile a table too big for the heap runs when preloaded and is out of memory when not', async (t) => {
  const table = tableModule(t, 1000);
  const free = await run(t, table, [table], 'esp8266');
  t.is(free.code, 0, free.stderr);
  t.is(free.stdout.trim(), 'ROWS 1000');
  const charged = await run(t, table, [], 'esp8266');
  t.is(charged.code, 3, charged.stderr);
  t.regex(charged.stderr, /out of memory \(profile esp8266\)/);
});
