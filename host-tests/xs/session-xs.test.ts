// The session's scripted tests (host-tests/session, byte-exact against a scripted server with
// virtual time) run unchanged inside XS, through a small stand-in for ava, and give the same
// result, test by test, as the same bundle on Node.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, runXs } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const SESSION = join(here, '../session');
// alloc.test measures Node's own heap; the others are scripted and platform-free.
const FILES = readdirSync(SESSION).filter((f) => f.endsWith('.test.js') && f !== 'alloc.test.js').sort();

test('every scripted session test gives the same result inside XS as on Node', async (t) => {
  t.true(FILES.length >= 5, FILES.join(','));
  const entry = [
    `import { installBuffer, runAll } from './fixtures/ava-shim.js';`,
    ...FILES.map((f) => `import ${JSON.stringify(join(SESSION, f))};`),
    `installBuffer();`,
    `runAll((line) => (globalThis.print ?? console.log)(line));`,
  ].join('\n');
  const b = await bundle(entry, false, { ava: join(here, 'fixtures/ava-shim.js') });
  t.teardown(() => b.cleanup());
  const mjs = b.file.replace(/\.js$/, '.mjs');
  copyFileSync(b.file, mjs);
  const node = spawnSync(process.execPath, [mjs], { encoding: 'utf8', timeout: 60000 });
  t.is(node.status, 0, node.stderr);
  const r = await runXs(b.file, 'host', 60000);
  t.is(r.code, 0, r.stderr);
  const nodeLines = node.stdout.trim().split('\n');
  const xsLines = r.stdout.trim().split('\n');
  const total = nodeLines.find((l) => l.startsWith('TOTAL '));
  t.truthy(total);
  t.true(Number(total!.slice(6)) > 50, total);
  t.log(`${total!.slice(6)} tests; Node ${nodeLines.filter((l) => l.startsWith('PASS')).length} pass, XS ${xsLines.filter((l) => l.startsWith('PASS')).length} pass`);
  t.deepEqual(xsLines, nodeLines);
});
