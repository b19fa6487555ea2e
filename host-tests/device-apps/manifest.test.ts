// The Moddable device applications cannot be built here (no Moddable SDK), so their manifests
// are checked the way mcconfig and XS would use them: every module the application imports,
// transitively, must be given by a `modules` entry of the app's manifest or of one it includes
// (the $(MODDABLE) ones are the SDK's and give only its own modules), under the name XS
// resolves the import to (relative specifiers against the importer's module name, `.js`
// dropped), and that entry must be the same file the TypeScript import names.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Modules the Moddable SDK's manifests provide. */
const SDK = /^(timer|time|mc\/config|embedded:.*)$/;

interface Entry { pattern: string; source: string }

/* Module entries of a manifest and of the manifests it includes (not the SDK's). */
function entries(manifest: string, out: Entry[] = []): Entry[] {
  const m = JSON.parse(readFileSync(manifest, 'utf8')) as { include?: string[]; modules?: Record<string, string> };
  const dir = dirname(manifest);
  for (const inc of m.include ?? []) {
    if (inc.startsWith('$(MODDABLE)')) continue;
    entries(resolve(dir, inc), out);
  }
  for (const [pattern, source] of Object.entries(m.modules ?? {})) {
    out.push({ pattern: pattern === '*' ? '' : pattern, source: resolve(dir, source) });
  }
  return out;
}

/** The file (no extension) a manifest gives for a module name, or null. */
function lookup(list: Entry[], name: string): string | null {
  for (const e of list) {
    if (e.pattern === '') {
      // "*": "./main": the file's own name is the module name.
      const base = e.source.slice(e.source.lastIndexOf('/') + 1);
      if (base === name) return e.source;
    } else if (e.pattern.endsWith('/*')) {
      const prefix = e.pattern.slice(0, -1);
      if (name.startsWith(prefix) && !name.slice(prefix.length).includes('/')) {
        return join(e.source.slice(0, -1), name.slice(prefix.length));
      }
    } else if (e.pattern === name) {
      return e.source;
    }
  }
  return null;
}

/**
 * The modules a file loads. A relative `import type` is left out: tsc erases it and finds the
 * file by its path, so the module need not be in a manifest (a bare one still needs its mapping).
 */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s([^'";]*?)\bfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const spec = m[2] ?? m[3];
    if (m[1] !== undefined && m[1].startsWith('type ') && spec.startsWith('.')) continue;
    out.push(spec);
  }
  return out;
}

/** Walks the app's imports from its main module: the problems found, and the modules seen. */
function check(app: string): { problems: string[]; modules: string[] } {
  const list = entries(join(ROOT, app, 'manifest.json'));
  const problems: string[] = [];
  const seen = new Set<string>(['main']);
  const todo: [string, string][] = [['main', join(ROOT, app, 'main')]];
  while (todo.length > 0) {
    const [name, file] = todo.pop()!;
    for (const spec of specifiers(file + '.ts')) {
      if (SDK.test(spec)) continue;
      // mcconfig gives tsc one exact path per module name, without extension: a bare specifier with .js is not found.
      if (!spec.startsWith('.') && spec.endsWith('.js')) problems.push(`${relative(ROOT, file)}.ts imports ${spec}: a module name is written without .js (mcconfig's tsc cannot resolve it)`);
      const bare = spec.replace(/\.js$/, '');
      const moduleName = bare.startsWith('.') ? join(dirname(name), bare) : bare;
      // What TypeScript reads: relative to the file, or through tsconfig's "targets/*", "src/*".
      const tsFile = bare.startsWith('.') ? resolve(dirname(file), bare) : join(ROOT, bare);
      if (!existsSync(tsFile + '.ts')) { problems.push(`${relative(ROOT, file)}.ts imports ${spec}: no ${relative(ROOT, tsFile)}.ts`); continue; }
      const given = lookup(list, moduleName);
      if (given === null) { problems.push(`${relative(ROOT, file)}.ts imports ${spec}: module ${moduleName} is in no manifest`); continue; }
      if (given !== tsFile) { problems.push(`module ${moduleName}: the manifest gives ${relative(ROOT, given)}, TypeScript reads ${relative(ROOT, tsFile)}`); continue; }
      if (!seen.has(moduleName)) { seen.add(moduleName); todo.push([moduleName, tsFile]); }
    }
  }
  return { problems, modules: [...seen] };
}

for (const app of ['targets/esp32', 'targets/esp8266', 'targets/esp32/suite', 'targets/esp8266/suite']) {
  test(`${app}: every module the application imports is in its manifests, as the same file`, (t) => {
    const r = check(app);
    t.deepEqual(r.problems, []);
    // The walk reached the core: the check is not vacuous.
    t.true(r.modules.some((m) => m.startsWith('src/core/driver/')), r.modules.join(' '));
    if (app.endsWith('/suite')) {
      t.true(r.modules.includes('targets/moddable/suite-host'));
      t.true(r.modules.includes('src/core/suite/scenarios'));
    }
  });
}

test('a module missing from the manifests is reported', (t) => {
  const list = entries(join(ROOT, 'targets/esp32/manifest.json'));
  t.is(lookup(list, 'src/core/suite/runner'), null);
  t.is(lookup(list, 'src/core/driver/driver'), join(ROOT, 'src/core/driver/driver'));
  t.is(lookup(list, 'main'), join(ROOT, 'targets/esp32/main'));
});
