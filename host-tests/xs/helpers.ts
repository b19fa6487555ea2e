// Runs code inside the host XS runtime (targets/xs, built by `make xs-runtime`): bundles an
// entry with esbuild (src/node/bridge/bundle.ts: the device's module specifiers left external,
// the preloaded modules apart from the rest) and runs build/xs/xsmqtt-xs on it with a memory profile.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { bundleSplit, type DeviceBundle } from '../../src/node/bridge/bundle.js';
import { preloadedFiles } from '../../src/node/bridge/preload.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file runs from dist/host-tests/xs/). */
export const ROOT = resolve(here, '../../..');
export const XS_BIN = join(ROOT, 'build/xs/xsmqtt-xs');
export const DIST = join(ROOT, 'dist');

/** Each bundle's preloaded part, passed to the runtime as --preload. */
const preloadOf = new Map<string, string>();
let preloaded: Set<string> | undefined;

/**
 * Bundles `contents` (an ES module whose imports resolve from dist/host-tests/xs/) as a device
 * build loads it (bundleSplit): the modules the manifests preload go to preload.js, loaded
 * before the device's budget applies (in flash on a device, free); bundle.js holds the entry and
 * every module not preloaded and is instantiated under the budget. runXs and startXs pass the
 * preloaded part along. `preload` adds files to the manifests' list, as a manifest entry would.
 */
export async function bundle(contents: string, minify = false, aliases: Record<string, string> = {}, preload: string[] = []): Promise<DeviceBundle> {
  preloaded ??= preloadedFiles(ROOT);
  const known = preloaded;
  // Device apps import the library by its Moddable module names (targets/..., src/...).
  const names: Plugin = {
    name: 'moddable-names',
    setup(b) {
      b.onResolve({ filter: /^(targets|src)\// }, (args) => ({ path: join(ROOT, 'build/moddable', args.path.endsWith('.js') ? args.path : args.path + '.js') }));
      b.onResolve({ filter: /^[^./]/ }, (args) => (aliases[args.path] ? { path: aliases[args.path] } : undefined));
    },
  };
  const b = await bundleSplit({
    contents, loader: 'js', resolveDir: here, minify, prefix: 'xsmqtt-xs-', plugins: [names],
    external: ['timer', 'time', 'mc/config', 'embedded:*'],
    preloaded: (f) => known.has(f) || preload.includes(f),
  });
  preloadOf.set(b.file, b.preload);
  return { ...b, cleanup: () => { preloadOf.delete(b.file); b.cleanup(); } };
}

/** The runtime's arguments for a bundle: its preloaded part first. */
function xsArgs(file: string, profile: string, args: string[]): string[] {
  const preload = preloadOf.get(file);
  return ['--profile', profile, ...args, ...(preload !== undefined ? ['--preload', preload] : []), file];
}

export interface XsRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a bundle in XS; resolves when it exits (killed after timeoutMs). */
export function runXs(file: string, profile = 'host', timeoutMs = 60000, args: string[] = []): Promise<XsRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(XS_BIN, xsArgs(file, profile, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolvePromise({ code, stdout, stderr }); });
  });
}

export interface XsProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  /** Resolves when stdout contains text; rejects after ms or when the process exits first. */
  waitFor(text: string, ms: number): Promise<void>;
}

/** Starts a bundle in XS and returns at once; stop() kills it (the caller registers it in t.teardown). */
export function startXs(file: string, profile = 'host', args: string[] = []): XsProcess {
  const child = spawn(XS_BIN, xsArgs(file, profile, args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const waitFor = (text: string, ms: number): Promise<void> => new Promise((resolveWait, reject) => {
    const check = (): void => { if (out.includes(text)) { done(); resolveWait(); } };
    const timer = setTimeout(() => { done(); reject(new Error(`no "${text}" in ${ms} ms:\n${out}\n${err}`)); }, ms);
    const gone = (): void => { done(); if (out.includes(text)) resolveWait(); else reject(new Error(`exited before "${text}":\n${out}\n${err}`)); };
    const done = (): void => { clearTimeout(timer); child.stdout!.off('data', check); child.off('close', gone); };
    child.stdout!.on('data', check);
    child.on('close', gone);
    check();
  });
  return {
    child, stdout: () => out, stderr: () => err, exited, waitFor,
    stop: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); return exited; },
  };
}

/** Bundles and runs in one step, always removing the bundle. */
export async function runInXs(contents: string, profile = 'host', timeoutMs = 60000, args: string[] = []): Promise<XsRun> {
  const b = await bundle(contents);
  try {
    return await runXs(b.file, profile, timeoutMs, args);
  } finally {
    b.cleanup();
  }
}

/** The JSON object printed on the last line that starts with `prefix`. */
export function lastJson(stdout: string, prefix: string): any {
  const lines = stdout.split('\n').filter((l) => l.startsWith(prefix));
  if (lines.length === 0) throw new Error(`no line starting with ${prefix} in:\n${stdout}`);
  return JSON.parse(lines[lines.length - 1].slice(prefix.length));
}
