// The subset checker's own tests: allowed code passes, each rule's fixture fails with exactly
// the rules and lines its `// expect: rule[, rule]` comments name, and src/core is clean.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES, checkFiles, checkPath, formatViolation, type Violation } from './checker.js';

// This file runs as dist/host-tests/subset/subset.test.js; the fixtures stay as sources.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = path.join(ROOT, 'host-tests', 'subset', 'fixtures');
const FAIL = path.join(FIXTURES, 'fail');
const CLI = path.join(ROOT, 'dist', 'host-tests', 'subset', 'cli.js');

const failFiles = fs.readdirSync(FAIL).filter((f) => f.endsWith('.ts')).sort();
const allowedFiles = ['allowed.ts', 'allowed-dep.ts'];

let cached: Violation[] | undefined;
/** All fixtures in one program (one type checker), checked once for every test. */
function fixtureViolations(): Violation[] {
  cached ??= checkFiles([...allowedFiles.map((f) => path.join(FIXTURES, f)), ...failFiles.map((f) => path.join(FAIL, f))], { root: FIXTURES });
  return cached;
}

/** `line: rule` for each `// expect: a, b` comment in the file. */
function expected(file: string): string[] {
  const out: string[] = [];
  fs.readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
    const m = /\/\/ expect: (.+)$/.exec(text);
    if (m !== null) for (const rule of m[1].split(',')) out.push(`${i + 1}: ${rule.trim()}`);
  });
  return out.sort();
}

function actual(file: string): string[] {
  return fixtureViolations().filter((v) => v.file === file).map((v) => `${v.line}: ${v.rule}`).sort();
}

test('allowed code (typed-array arithmetic, cold functions, constructors, const enums, load-time tables) reports nothing', (t) => {
  for (const f of allowedFiles) {
    const file = path.join(FIXTURES, f);
    t.deepEqual(fixtureViolations().filter((v) => v.file === file).map((v) => formatViolation(v, ROOT)), [], f);
  }
});

test('every rule has a failing fixture named for it, and every fixture is named for a rule', (t) => {
  t.deepEqual(failFiles.map((f) => f.replace(/\.ts$/, '')).sort(), [...RULES].sort());
});

for (const f of failFiles) {
  const rule = f.replace(/\.ts$/, '');
  test(`${rule}: the fixture reports exactly the expected rules at the expected lines`, (t) => {
    const file = path.join(FAIL, f);
    const want = expected(file);
    t.true(want.some((w) => w.endsWith(`: ${rule}`)), `${f} expects no ${rule} violation`);
    t.deepEqual(actual(file), want);
  });
}

test('violations carry the file, a 1-based line, the rule and a text', (t) => {
  const file = path.join(FAIL, 'new.ts');
  const v = fixtureViolations().filter((x) => x.file === file);
  t.is(v.length, 3);
  t.is(formatViolation(v[0], ROOT), 'host-tests/subset/fixtures/fail/new.ts:2: new: new on the hot path: new Uint8Array(n)');
});

test('src/core is clean', (t) => {
  t.deepEqual(checkPath(path.join(ROOT, 'src', 'core')).map((v) => formatViolation(v, ROOT)), []);
});

test('the command line exits 1 and prints file:line: rule: text per violation, 0 when clean', (t) => {
  const bad = spawnSync(process.execPath, [CLI, 'host-tests/subset/fixtures/fail/array-growth.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  t.is(bad.status, 1, bad.stderr);
  const lines = bad.stdout.trim().split('\n');
  t.is(lines.length, 6);
  for (const line of lines) t.regex(line, /^host-tests\/subset\/fixtures\/fail\/array-growth\.ts:\d+: array-growth: .+$/);
  const good = spawnSync(process.execPath, [CLI, 'host-tests/subset/fixtures/allowed.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  t.is(good.status, 0, good.stdout + good.stderr);
  t.is(good.stdout, '');
});
