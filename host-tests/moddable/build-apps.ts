// `make lin-apps`: builds the Moddable apps of apps.ts with the real mcconfig, each only when one
// of its inputs (the library, the app, its wrapper, the SDK's tools) is newer than its output.
//   node dist/host-tests/moddable/build-apps.js [--all] [NAME ...]
// Without names: the apps `make test` runs; --all adds the benchmarks' apps.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, type AppSpec } from './apps.js';
import { ROOT, appTmp, buildLinApp, linLibrary, newest, sdkRoot } from './lin.js';

/** Writes a file only when its content changes (its date is then an input's date). */
function put(file: string, text: string): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  writeFileSync(file, text);
}

/** Writes the wrapper folder of an app that has one. */
function writeWrapper(a: AppSpec): void {
  if (a.include === undefined && a.copy === undefined) return;
  const dir = join(ROOT, a.dir);
  mkdirSync(dir, { recursive: true });
  for (const [to, { from, replace }] of Object.entries(a.copy ?? {})) {
    let text = readFileSync(from.startsWith('$(MODDABLE)/') ? join(sdkRoot(), from.slice(12)) : join(ROOT, from), 'utf8');
    for (const [what, by] of replace ?? []) {
      if (!text.includes(what)) throw new Error(`${a.name}: ${from} has no '${what}' to replace`);
      text = text.split(what).join(by);
    }
    put(join(dir, to), text);
  }
  const include = (a.include ?? []).map((p) => (p.startsWith('$(MODDABLE)') ? p : join(ROOT, p)));
  put(join(dir, 'manifest.json'), JSON.stringify({ include, ...(a.manifest ?? {}) }, null, '\t') + '\n');
}

/** The output that says the app is built: the lin library, or mc.xs.c for a device platform. */
export function builtOutput(a: AppSpec): string {
  return (a.platform ?? 'lin') === 'lin' ? linLibrary(a) : join(appTmp(a), 'mc.xs.c');
}

function inputs(a: AppSpec): string[] {
  return [
    join(ROOT, 'src/core'), join(ROOT, 'targets/moddable'), join(ROOT, 'manifest.json'), join(ROOT, a.dir),
    join(sdkRoot(), 'build/bin/lin/release/.tools-stamp'),
    ...(a.include ?? []).filter((p) => !p.startsWith('$(')).map((p) => join(ROOT, p, '..')),
  ];
}

function main(argv: string[]): number {
  const all = argv.includes('--all');
  const names = argv.filter((x) => !x.startsWith('--'));
  const chosen = APPS.filter((a) => (names.length > 0 ? names.includes(a.name) : all || a.inTest));
  if (names.length > 0 && chosen.length !== names.length) {
    process.stderr.write(`build-apps: unknown app among ${names.join(' ')}; known: ${APPS.map((a) => a.name).join(' ')}\n`);
    return 2;
  }
  let failed = 0;
  for (const a of chosen) {
    a.prepare?.();
    writeWrapper(a);
    // The mcconfig arguments are inputs too: a changed config value rebuilds the app.
    const stamp = join(ROOT, 'build/lin/stamps', `${a.name}.json`);
    mkdirSync(join(stamp, '..'), { recursive: true });
    put(stamp, JSON.stringify({ config: a.config, instrument: a.instrument === true, platform: a.platform ?? 'lin' }) + '\n');
    const out = builtOutput(a);
    if (existsSync(out) && newest([out]) >= newest([...inputs(a), stamp])) continue;
    const started = Date.now();
    process.stdout.write(`# mcconfig -p ${a.platform ?? 'lin'}: ${a.name} (${a.dir})\n`);
    const err = buildLinApp(a);
    if (err !== null) {
      failed++;
      process.stderr.write(`build-apps: ${a.name} did not build\n${err ?? ''}\n`);
    } else process.stdout.write(`#   built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
