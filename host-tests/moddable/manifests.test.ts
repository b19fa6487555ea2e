// The project's Moddable manifests preload every module they give, by name (mcconfig 8.2.3's
// preload wildcards match JavaScript modules only: a TypeScript module named by a wildcard stays
// in RAM on a device), and every module of the library's folders is given by one of them. The
// folders are the one source: a module added to a folder and not to a manifest fails here.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './lin.js';

interface Manifest { modules?: Record<string, string | string[]>; preload?: string[]; include?: string[] }

/** The project's own manifests of modules: the library's and the optional ones beside the device code. */
function projectManifests(): string[] {
  const dir = join(ROOT, 'targets/moddable');
  return ['manifest.json', ...readdirSync(dir).filter((f) => /^manifest_.*\.json$/.test(f)).map((f) => `targets/moddable/${f}`)];
}

function read(file: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Manifest;
}

function tsModules(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3));
}

interface Given { name: string; file: string }

/** Modules a manifest gives, with their source files: wildcards expanded over the folder's TypeScript and JavaScript files. */
function given(file: string): Given[] {
  const m = read(file);
  const base = dirname(join(ROOT, file));
  const out: Given[] = [];
  for (const [name, source] of Object.entries(m.modules ?? {})) {
    if (name === '*') continue;
    const src = Array.isArray(source) ? source[0] : source;
    if (src.startsWith('$(')) { out.push({ name, file: src }); continue; }
    if (name.endsWith('/*')) {
      const dir = resolve(base, src.slice(0, -2));
      for (const f of readdirSync(dir).filter((x) => /\.(ts|js)$/.test(x) && !x.endsWith('.d.ts'))) {
        const stem = f.replace(/\.(ts|js)$/, '');
        out.push({ name: name.slice(0, -1) + stem, file: relative(ROOT, join(dir, stem)) });
      }
    } else out.push({ name, file: relative(ROOT, resolve(base, src)) });
  }
  return out;
}

function givenModules(file: string): string[] {
  return given(file).map((g) => g.name);
}

/** The modules given and not preloaded. */
function notPreloaded(given: string[], preload: string[]): string[] {
  return given.filter((g) => !preload.includes(g)).sort();
}

for (const file of projectManifests()) {
  test(`${file}: preloads every module it gives, by name`, (t) => {
    const m = read(file);
    const preload = m.preload ?? [];
    t.deepEqual(preload.filter((p) => p.includes('*')), [], 'a preload wildcard selects no TypeScript module');
    const given = givenModules(file);
    t.true(given.length > 0);
    t.deepEqual(notPreloaded(given, preload), [], `${file}: modules given but not preloaded`);
    t.deepEqual(preload.filter((p) => !given.includes(p)).sort(), [], `${file}: preloaded names no module of this manifest gives`);
  });
}

test('every module of the library folders is given by one of the project manifests', (t) => {
  // By source file: a drop-in is given under Moddable's module name (embedded:network/mqtt/client).
  const all = new Set(projectManifests().flatMap(given).map((g) => g.file));
  const folders = ['src/core/codec', 'src/core/topic', 'src/core/session', 'src/core/driver', 'src/core/app', 'src/core/suite', 'targets/moddable', 'targets/moddable/mqtt-js', 'targets/moddable/mqttclient'];
  const missing: string[] = [];
  for (const f of folders) for (const m of tsModules(join(ROOT, f))) if (!all.has(`${f}/${m}`)) missing.push(`${f}/${m}`);
  t.deepEqual(missing, [], 'add these modules to a manifest (and its preload list)');
});

test('the library manifest holds the library only: no suite, no example app', (t) => {
  const lib = givenModules('manifest.json');
  t.deepEqual(lib.filter((m) => /^src\/core\/(suite|app)\/|^targets\/moddable\/(suite-host|sensor)$/.test(m)), []);
  t.true(lib.includes('src/core/session/session') && lib.includes('targets/moddable/transport'));
});

test('the drift check sees a module missing from a preload list', (t) => {
  const given = givenModules('manifest.json');
  t.deepEqual(notPreloaded(given, given.filter((g) => g !== 'src/core/session/session')), ['src/core/session/session']);
  t.deepEqual(notPreloaded(given, given), []);
});
