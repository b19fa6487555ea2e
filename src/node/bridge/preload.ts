// Which modules a Moddable device build preloads (in flash, free to the app's heap): the
// "preload" lists of the repository's manifests, each name resolved through its manifest's
// "modules" map to the repository's sources and to the files emitted from them (build/moddable
// for the device code, dist for the Node build). An app's main module ("*": "./main") is never
// preloaded.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

interface Manifest { modules?: Record<string, string>; preload?: string[] }

/** The repository's manifests: the library's, targets/moddable's and the device apps'. */
export function manifestFiles(root: string): string[] {
  const files = [join(root, 'manifest.json')];
  const moddable = join(root, 'targets/moddable');
  for (const f of readdirSync(moddable).sort()) if (/^manifest_.*\.json$/.test(f)) files.push(join(moddable, f));
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name === 'manifest.json') files.push(join(dir, e.name));
    }
  };
  walk(join(root, 'targets/esp32'));
  walk(join(root, 'targets/esp8266'));
  return files;
}

/** The source path (repository-relative, no extension) a manifest maps a module name to, if the repository holds it. */
function sourceOf(root: string, manifestDir: string, modules: Record<string, string>, name: string): string | undefined {
  let target = modules[name];
  if (target === undefined) {
    for (const [key, value] of Object.entries(modules)) {
      const star = key.indexOf('*');
      if (star > 0 && name.startsWith(key.slice(0, star)) && value.includes('*')) target = value.replace('*', name.slice(star));
    }
  }
  if (target === undefined || target.startsWith('$(')) return undefined;
  return relative(root, resolve(manifestDir, target));
}

/** Repository-relative paths, without extension, of every module the manifests preload. */
export function preloadedModules(root: string): Set<string> {
  const modules = new Set<string>();
  for (const m of manifestFiles(root)) {
    const manifest = JSON.parse(readFileSync(m, 'utf8')) as Manifest;
    for (const name of manifest.preload ?? []) {
      const source = sourceOf(root, dirname(m), manifest.modules ?? {}, name);
      if (source !== undefined) modules.add(source);
    }
  }
  return modules;
}

/** Absolute paths of the emitted .js files of every preloaded module. */
export function preloadedFiles(root: string): Set<string> {
  const files = new Set<string>();
  for (const source of preloadedModules(root)) for (const out of ['build/moddable', 'dist']) files.add(join(root, out, source + '.js'));
  return files;
}

/** Absolute paths of the TypeScript sources of every preloaded module. */
export function preloadedSources(root: string): Set<string> {
  return new Set([...preloadedModules(root)].map((source) => join(root, source + '.ts')));
}
