// The preload cases both device runtimes must pass (the host XS runtime, host-tests/xs, and the
// emulated ESP8266, host-tests/lx106): a module-level table is free when the manifests preload
// its module and charged to the budget when they do not.
import type { TestFn } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEVICE_SLOT = 16;

export interface Teardown { teardown(f: () => void): void }
export interface Exit { code: number | null; stdout: string; stderr: string }
/** Runs an app that imports `table` (preloaded when `preload` lists it) under a profile, with the runtime's --stats line. */
export type RunTable = (t: Teardown, table: string, preload: string[], profile: string) => Promise<Exit>;

/** The runtime's `# xs budget` line: the application's high-water in device bytes. */
export function highWater(stderr: string): number {
  const m = /application high-water (\d+) of/.exec(stderr);
  if (m === null) throw new Error(`no budget line in:\n${stderr}`);
  return Number(m[1]);
}

/** A module whose body builds `rows` objects of three properties: a sizeable module-level table. */
export function tableModule(t: Teardown, rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-table-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'table.js');
  writeFileSync(file, `export const table = [];\nfor (let i = 0; i < ${rows}; i++) table.push({ id: i, next: i + 1, name: 'row' });\n`);
  return file;
}

/** The app every case runs: it imports the table and prints its length. */
export function tableApp(table: string): string {
  return `import { table } from ${JSON.stringify(table)};\nexport default function main() { print('ROWS ' + table.length); }\n`;
}

/** Registers the cases for one runtime (`where` names it in the titles). */
export function preloadCases(test: TestFn, where: string, run: RunTable): void {
  test(`${where}: a module-level table costs nothing when preloaded and is charged to the budget when not (esp32 profile)`, async (t) => {
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

  test(`${where}: under the esp8266 profile a table too big for the heap runs when preloaded and is out of memory when not`, async (t) => {
    const table = tableModule(t, 1000);
    const free = await run(t, table, [table], 'esp8266');
    t.is(free.code, 0, free.stderr);
    t.is(free.stdout.trim(), 'ROWS 1000');
    const charged = await run(t, table, [], 'esp8266');
    t.is(charged.code, 3, charged.stderr);
    t.regex(charged.stderr, /out of memory \(profile esp8266\)/);
  });
}
