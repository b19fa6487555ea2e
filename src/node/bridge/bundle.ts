// Builds a device bundle for the emulated ESP8266 (or the host XS runtime) with esbuild, types
// stripped, the device's own module specifiers (timer, time, embedded:*) left to the runtime, in
// two parts as a Moddable build has them: the modules the manifests preload (in flash on a
// device, free to the app's heap) and the rest (the app's main module, instantiated in RAM).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { ROOT } from './emulator.js';
import { preloadedSources } from './preload.js';

export interface DeviceBundle {
  /** The entry and every module not preloaded: the runtime instantiates it under the budget. */
  file: string;
  /** The preloaded modules, loaded before the budget applies: the runtime's --preload. */
  preload: string;
  /** Bytes of JavaScript in both parts and their shared chunks. */
  bytes: number;
  cleanup(): void;
}

export interface SplitOptions {
  /** The entry module's source. */
  contents: string;
  loader: 'js' | 'ts';
  /** Where the entry's relative imports resolve from. */
  resolveDir: string;
  /** Whether a module (absolute path) goes to the preloaded part. */
  preloaded(file: string): boolean;
  minify?: boolean;
  external: string[];
  /** Resolvers of the caller's own (run after the entries'). */
  plugins?: Plugin[];
  /** Prefix of the temporary directory. */
  prefix?: string;
}

/**
 * Writes `contents` as preload.js (the preloaded modules it reaches, re-exported) and bundle.js
 * (the entry and the rest, importing the preloaded modules from a shared chunk by relative path)
 * in a temporary directory. Both parts share the chunk, so a module is instantiated once.
 */
export async function bundleSplit(options: SplitOptions): Promise<DeviceBundle> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'xsmqtt-device-'));
  const common = {
    bundle: true,
    format: 'esm' as const,
    platform: 'neutral' as const,
    target: 'es2022',
    minify: options.minify ?? false,
    write: false,
    absWorkingDir: ROOT,
    outdir: dir,
    external: options.external,
    logLevel: 'silent' as const,
  };
  const entries = (sources: Record<string, string>): Plugin => ({
    name: 'xsmqtt-entries',
    setup(b) {
      b.onResolve({ filter: /^xsmqtt-entry:/ }, (args) => ({ path: args.path, namespace: 'entry' }));
      b.onLoad({ filter: /.*/, namespace: 'entry' }, (args) => ({ contents: sources[args.path], resolveDir: options.resolveDir, loader: args.path === 'xsmqtt-entry:app' ? options.loader : 'js' }));
    },
  });
  try {
    // Which preloaded modules the entry reaches.
    const graph = await build({ ...common, entryPoints: ['xsmqtt-entry:app'], metafile: true, plugins: [entries({ 'xsmqtt-entry:app': options.contents }), ...(options.plugins ?? [])] });
    const used = Object.keys(graph.metafile.inputs).map((f) => resolve(ROOT, f)).filter((f) => options.preloaded(f)).sort();
    const preloadEntry = used.map((f, i) => `export * as m${i} from ${JSON.stringify(f)};`).join('\n');
    const result = await build({
      ...common,
      entryPoints: [{ in: 'xsmqtt-entry:preload', out: 'preload' }, { in: 'xsmqtt-entry:app', out: 'bundle' }],
      splitting: true,
      chunkNames: 'chunk-[hash]',
      plugins: [entries({ 'xsmqtt-entry:app': options.contents, 'xsmqtt-entry:preload': preloadEntry }), ...(options.plugins ?? [])],
    });
    let bytes = 0;
    for (const out of result.outputFiles!) {
      writeFileSync(out.path, out.contents);
      bytes += out.contents.length;
    }
    // Node runs the same files (session-xs.test): the chunks are ES modules.
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    return { file: join(dir, 'bundle.js'), preload: join(dir, 'preload.js'), bytes, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

let sources: Set<string> | undefined;

/**
 * Bundles `contents` (TypeScript; imports resolve from the repository root): the sources the
 * manifests preload, and `preload` (absolute paths) as a manifest entry would add them, go to
 * the preloaded part.
 */
export async function bundleDevice(contents: string, minify = false, preload: string[] = []): Promise<DeviceBundle> {
  sources ??= preloadedSources(ROOT);
  const preloaded = sources;
  return bundleSplit({
    contents, loader: 'ts', resolveDir: ROOT, minify, prefix: 'xsmqtt-lx106-',
    external: ['timer', 'time', 'embedded:*'],
    preloaded: (f) => preloaded.has(f) || preload.includes(f),
  });
}

/** The entry of the integration suite for one device. */
export function suiteEntry(config: { broker: string; port: number; device: string; version: number }): string {
  return `import { runSuite } from './targets/lx106/app/suite-main.ts';\n` +
    `export default function main() { runSuite(${JSON.stringify(config)}); }\n`;
}
