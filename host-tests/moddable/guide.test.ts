// docs/moddable.md keeps its snippets honest: its blocks marked file=guide/... are one Moddable
// app (host-tests/moddable/guide-extract.ts writes them into build/lin/apps/guide-app/, and
// build-apps.ts builds it with the real mcconfig, whose tsc type-checks them). Here: the
// extraction gives exactly what the guide holds, the app's manifest preloads its own modules,
// the SessionOptions table matches the class, and the built app runs against the companion
// broker until its own message comes back.
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/broker/index.js';
import { SessionOptions } from '../../src/core/session/options.js';
import { app } from './apps.js';
import { GUIDE, GUIDE_APP, extractGuide, guideFiles, readGuideFiles } from './guide-extract.js';
import { ROOT, appModules, linMissing, runLinApp } from './lin.js';

const guide = readFileSync(join(ROOT, GUIDE), 'utf8');

test('the guide has the app: main.ts, a manifest and helper modules', (t) => {
  const files = readGuideFiles();
  t.deepEqual([...files.keys()].sort(), ['capacities.ts', 'main.ts', 'manifest.json', 'network.ts']);
  t.is(app('guide-app').dir, GUIDE_APP, 'apps.ts builds the folder the extraction writes');
});

test('extraction is deterministic and writes exactly the blocks of the guide', (t) => {
  const files = guideFiles(guide);
  const dir = mkdtempSync(join(tmpdir(), 'guide-app-'));
  try {
    const names = extractGuide(dir);
    t.deepEqual(names, [...files.keys()].sort());
    t.deepEqual(readdirSync(dir).sort(), names);
    for (const [name, text] of files) t.is(readFileSync(join(dir, name), 'utf8'), text, name);
    // A second run changes nothing and removes a file the guide does not have.
    writeFileSync(join(dir, 'stale.ts'), '');
    extractGuide(dir);
    t.deepEqual(readdirSync(dir).sort(), names);
    for (const [name, text] of files) t.is(readFileSync(join(dir, name), 'utf8'), text, name);
    t.deepEqual(guideFiles(guide), files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // A block's text is what the guide shows between its fences.
  const main = files.get('main.ts') as string;
  t.true(guide.includes('```ts file=guide/main.ts\n' + main + '```\n'));
});

test('malformed marked blocks are refused', (t) => {
  t.throws(() => guideFiles('```ts file=guide/main.ts\nx\n```\n'), { message: /manifest\.json/ });
  t.throws(() => guideFiles('```ts file=guide/../main.ts\nx\n```\n'), { message: /must open with/ });
  t.throws(() => guideFiles('```json file=guide/main.ts\nx\n```\n'), { message: /main\.ts in a ```json block/ });
  t.throws(() => guideFiles('```ts file=guide/main.ts\nx\n```\n```ts file=guide/main.ts\ny\n```\n'), { message: /twice/ });
  t.throws(() => guideFiles('```ts file=guide/main.ts\nx\n'), { message: /not closed/ });
});

test("the guide's manifest preloads each of its TypeScript modules by name", (t) => {
  const files = readGuideFiles();
  const manifest = JSON.parse(files.get('manifest.json') as string) as { modules: Record<string, string>; preload: string[]; include: string[] };
  const named = Object.keys(manifest.modules).filter((m) => m !== '*');
  t.deepEqual([...manifest.preload].sort(), named.sort());
  for (const [name, path] of Object.entries(manifest.modules)) t.true(files.has(`${path.replace(/^\.\//, '')}.ts`), `${name}: ${path}.ts is a block of the guide`);
  t.true(manifest.include.includes('$(XSMQTT)/manifest.json'));
});

/** The rows of the guide's SessionOptions table: field -> default as written. */
function optionsTable(): Map<string, string> {
  const at = guide.indexOf('### `SessionOptions`');
  const rows = new Map<string, string>();
  for (const line of guide.slice(at).split('\n').slice(1)) {
    if (line.startsWith('###')) break;
    const m = /^\| `(\w+)` \| ([^|]+?) \|/.exec(line);
    if (m !== null) rows.set(m[1], m[2]);
  }
  return rows;
}

test('the SessionOptions table lists every field with its default', (t) => {
  const rows = optionsTable();
  const o = new SessionOptions() as unknown as Record<string, unknown>;
  t.deepEqual([...rows.keys()].sort(), Object.keys(o).sort());
  for (const [field, written] of rows) {
    const v = o[field];
    const shown = v instanceof Uint8Array ? (v.length === 0 ? 'empty' : '?') : String(v);
    t.is(written, shown, field);
  }
});

test("mcconfig preloads the guide app's modules and the library's", (t) => {
  const a = app('guide-app');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const { preloaded } = appModules(a);
  for (const m of ['app/capacities', 'app/network', 'targets/moddable/client', 'targets/moddable/tls', 'src/core/session/session']) t.true(preloaded.includes(m), m);
});

test('the guide app, built by mcconfig, gets its own message back from the broker', async (t) => {
  const a = app('guide-app');
  const missing = linMissing(a);
  if (missing !== null) return t.fail(missing);
  const broker = await startBroker({ port: Number(a.config.port), host: '127.0.0.1', sysInterval: 0 });
  const run = runLinApp(a, 60);
  try {
    await run.waitFor(/guide: connected\n/, 30000);
    const line = await run.waitFor(/guide: message guide\/echo \(5 bytes\)\n/, 30000);
    t.is(line, 'guide: message guide/echo (5 bytes)\n');
    await run.waitFor(/guide: published \d+, reason 0\n/, 10000);
    t.notRegex(run.stdout(), /refused|read-only|TypeError|XS abort/);
  } finally {
    run.stop();
    await run.exited;
    await broker.close();
  }
});
