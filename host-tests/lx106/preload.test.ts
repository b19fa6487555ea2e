// Module instantiation on the emulated ESP8266 as a Moddable device counts it: the modules the
// manifests preload are loaded before the budget applies (in flash on a device, free); the app's
// main module and any module not preloaded are instantiated under the budget.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleDevice, suiteEntry } from '../../src/node/bridge/bundle.js';
import { startLx106, type Lx106Exit } from '../../src/node/bridge/emulator.js';
import { requireLx106 } from './helpers.js';

const DEVICE_SLOT = 16;

test.before(() => requireLx106());

/** The runtime's `# xs budget` line: the application's high-water in device bytes. */
function highWater(r: Lx106Exit): number {
  const m = /application high-water (\d+) of/.exec(r.stderr);
  if (m === null) throw new Error(`no budget line in:\n${r.stderr}`);
  return Number(m[1]);
}

/** A module whose body builds `rows` objects of three properties: a sizeable module-level table. */
function tableModule(t: ExecutionContext, rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-table-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'table.js');
  writeFileSync(file, `export const table = [];\nfor (let i = 0; i < ${rows}; i++) table.push({ id: i, next: i + 1, name: 'row' });\n`);
  return file;
}

async function run(t: ExecutionContext, table: string, preload: string[], profile: string): Promise<Lx106Exit> {
  const b = await bundleDevice(`import { table } from ${JSON.stringify(table)};\nexport default function main() { print('ROWS ' + table.length); }\n`, false, preload);
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

test('a module-level table costs nothing when preloaded and is charged to the budget when not (esp32 profile)', async (t) => {
  const rows = 200;
  const table = tableModule(t, rows);
  const free = await run(t, table, [table], 'esp32');
  const charged = await run(t, table, [], 'esp32');
  t.is(free.code, 0, free.stderr);
  t.is(charged.code, 0, charged.stderr);
  t.is(free.stdout.trim(), `ROWS ${rows}`);
  t.is(charged.stdout.trim(), `ROWS ${rows}`);
  const cost = highWater(charged) - highWater(free);
  t.log(`${rows} rows on lx106: high-water ${highWater(free)} B preloaded, ${highWater(charged)} B not`);
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
