// The conformance table (rows.txt): every numbered normative statement of MQTT 5.0 and 3.1.1,
// with the test that covers it on the client side or why it does not bind a client. This test
// checks the table (ids unique and complete per chapter count, each reference names a test file
// that contains that test title or case) and prints "conformance: covered N of M".
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// dist/host-tests/conformance -> repository root
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const HOST_TESTS = join(ROOT, 'host-tests');

interface Row { version: string; id: string; text: string; ref: string }

function readRows(): Row[] {
  const lines = readFileSync(join(HOST_TESTS, 'conformance', 'rows.txt'), 'utf8').split('\n');
  const rows: Row[] = [];
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const parts = line.split(' | ');
    if (parts.length !== 4) throw new Error(`bad row: ${line}`);
    rows.push({ version: parts[0].trim(), id: parts[1].trim(), text: parts[2].trim(), ref: parts[3].trim() });
  }
  return rows;
}

const rows = readRows();

test('every row has a well-formed id, a version, a text and a reference or a reason', (t) => {
  for (const r of rows) {
    t.regex(r.id, /^MQTT-\d+\.\d+\.\d+-\d+$/, r.id);
    t.true(r.version === '5' || r.version === '3.1.1', r.id);
    t.true(r.text.length > 5, r.id);
    t.true(r.ref.startsWith('n/a: ') || /^[a-z-]+\/[\w.-]+\.test\.ts#.+/.test(r.ref), `${r.version} ${r.id}: ${r.ref}`);
  }
});

test('ids are unique per version; the counts are complete (5.0: 247 in chapters 1-4 and 4 in chapter 6, per its appendix B; 3.1.1: 141 as listed)', (t) => {
  for (const v of ['5', '3.1.1']) {
    const ids = rows.filter((r) => r.version === v).map((r) => r.id);
    t.is(new Set(ids).size, ids.length, `duplicates in ${v}`);
  }
  const v5 = rows.filter((r) => r.version === '5');
  t.is(v5.filter((r) => !r.id.startsWith('MQTT-6.')).length, 247);
  t.is(v5.filter((r) => r.id.startsWith('MQTT-6.')).length, 4);
  t.is(rows.filter((r) => r.version === '3.1.1').length, 141);
});

/** A test file's text and that of the files it imports from its own folder (a table of cases kept apart). */
function withLocalImports(file: string): string {
  const text = readFileSync(file, 'utf8');
  const dir = dirname(file);
  const imported = [...text.matchAll(/from '(\.\/[^']+)\.js'/g)].map((m) => join(dir, `${m[1]}.ts`)).filter(existsSync);
  return [text, ...imported.map((f) => readFileSync(f, 'utf8'))].join('\n');
}

test('every referenced test exists: the file (or a case table it imports) holds that title or case', (t) => {
  const cache = new Map<string, string>();
  const missing: string[] = [];
  for (const r of rows) {
    if (r.ref.startsWith('n/a: ')) continue;
    const hash = r.ref.indexOf('#');
    const file = join(HOST_TESTS, r.ref.slice(0, hash));
    const title = r.ref.slice(hash + 1);
    if (!existsSync(file)) { missing.push(`${r.id}: no file ${r.ref.slice(0, hash)}`); continue; }
    if (!cache.has(file)) cache.set(file, withLocalImports(file));
    if (!cache.get(file)!.includes(title)) missing.push(`${r.version} ${r.id}: "${title}" not in ${r.ref.slice(0, hash)}`);
  }
  t.deepEqual(missing, []);
});

test('conformance: covered N of M client-side statements', (t) => {
  const applicable = rows.filter((r) => !r.ref.startsWith('n/a: '));
  const covered = applicable.length; // every applicable row names a test (checked above)
  const notClient = rows.length - applicable.length;
  const line = `conformance: covered ${covered} of ${applicable.length} client-side statements ` +
    `(${rows.length} numbered statements of MQTT 5.0 and 3.1.1; ${notClient} bind only a server or a WebSocket transport, with the reason in the table)`;
  t.log(line);
  console.log(line);
  for (const v of ['5', '3.1.1']) {
    const all = rows.filter((r) => r.version === v);
    const app = all.filter((r) => !r.ref.startsWith('n/a: '));
    console.log(`conformance: MQTT ${v === '5' ? '5.0' : v}: ${app.length} client-side statements covered of ${all.length} numbered`);
  }
  t.true(covered > 0);
});
