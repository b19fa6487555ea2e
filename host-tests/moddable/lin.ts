// Moddable's real toolchain on the host: apps built by `mcconfig -m -p lin` (tsc, xsc, xsl, cc:
// the steps a device build takes, then a shared library for the desktop) and run by the
// project's headless host (targets/lin/host.c) with a time limit and an exit status.
// `make lin-apps` builds every app of LIN_APPS before the tests; the tests run them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LIN_HOST = join(ROOT, 'build/lin/xsmqtt-lin-host');
/** mcconfig's output folder for the lin apps (its tmp/ and bin/ go under it). */
export const LIN_OUT = join(ROOT, 'build/lin/out');

/** The SDK the Makefile uses: $MODDABLE, else the pinned tarball unpacked under build/. */
export function sdkRoot(): string {
  const env = process.env.MODDABLE;
  return env !== undefined && env !== '' ? env : join(ROOT, 'build/moddable-sdk/moddable');
}

export interface LinApp {
  /** The app's name: mcconfig names its output after the manifest's folder. */
  name: string;
  /** The folder of its manifest.json, relative to the repository. */
  dir: string;
  /** mc/config values given on the command line (strings on the device). */
  config: Record<string, string | number>;
  /** Build with instrumentation (-i): Moddable's `instrumentation` module reports the heap. */
  instrument?: boolean;
  /** Platform: lin (run here) or esp32 / esp (tsc, xsc and xsl only: `-t build` stops at the missing ESP toolchain). */
  platform?: 'lin' | 'esp32' | 'esp';
}

/** The mc.so mcconfig leaves for a lin app. */
export function linLibrary(app: LinApp): string {
  // mcconfig -i writes an instrumented build under mc/instrument instead of mc/release.
  return join(LIN_OUT, 'bin/lin/mc', app.instrument === true ? 'instrument' : 'release', app.name, 'mc.so');
}

/** What the reader of a failed test needs to know when an app was not built. */
export function linMissing(app: LinApp): string | null {
  if (!existsSync(LIN_HOST)) return `${LIN_HOST} is missing: run make lin-apps`;
  if (!existsSync(linLibrary(app))) return `${linLibrary(app)} is missing: run make lin-apps`;
  return null;
}

/** Newest modification time (ms) of the files under the given folders and files. */
export function newest(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const e of readdirSync(p)) t = Math.max(t, newest([join(p, e)]));
    } else t = Math.max(t, s.mtimeMs);
  }
  return t;
}

/** Where mcconfig writes an app's intermediate files (its makefile, modules/*.xsb, mc.xs.c). */
export function appTmp(app: LinApp, out = LIN_OUT): string {
  const p = app.platform ?? 'lin';
  return p === 'lin' ? join(out, 'tmp/lin/mc/release', app.name) : join(out, 'tmp', p, 'release', app.name);
}

/**
 * Empty folders where the ESP toolchains would be, so that mcconfig's and its makefiles'
 * spot-checks pass and their JavaScript steps (tsc, xsc, xsl) run; nothing here compiles C.
 */
function espStandIn(): Record<string, string> {
  const base = join(ROOT, 'build/lin/esp-stand-in');
  for (const d of ['esp/esp8266-2.3.0', 'esp/ESP8266_RTOS_SDK', 'esp/toolchain/Linux', 'idf']) mkdirSync(join(base, d), { recursive: true });
  const idf = join(base, 'idf');
  // make.esp32.mk reads the ESP-IDF version with git describe.
  if (!existsSync(join(idf, '.git'))) {
    const git = (...a: string[]): void => { spawnSync('git', ['-C', idf, '-c', 'user.name=stand-in', '-c', 'user.email=stand-in@localhost', ...a]); };
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'ESP-IDF stand-in');
    git('tag', 'v5.4.1');
  }
  return { ESP_BASE: join(base, 'esp'), IDF_PATH: idf };
}

/**
 * Runs mcconfig for one app; returns its output when it failed, null when it built. For lin,
 * `mcconfig -m` builds the shared library; for esp32 and esp, mcconfig writes the makefile and
 * make builds mc.xs.c only (the last step before the ESP toolchains, which are not here).
 */
export function buildLinApp(app: LinApp, out = LIN_OUT): string | null {
  const sdk = sdkRoot();
  mkdirSync(out, { recursive: true });
  const platform = app.platform ?? 'lin';
  const device = platform !== 'lin';
  const args = [...(device ? [] : ['-m']), '-p', platform, '-t', 'build', '-o', out];
  if (app.instrument === true) args.push('-i');
  for (const [k, v] of Object.entries(app.config)) args.push(`${k}=${v}`);
  const env = {
    ...process.env, ...(device ? espStandIn() : {}), MODDABLE: sdk,
    PATH: `${join(sdk, 'build/bin/lin/release')}:${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
  };
  const r = spawnSync('mcconfig', args, { cwd: join(ROOT, app.dir), env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return `mcconfig ${args.join(' ')} in ${app.dir} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`;
  if (!device) return null;
  const tmp = appTmp(app, out);
  // SDKCONFIG_H= : on esp32 mc.xs.c waits for the ESP-IDF's sdkconfig.h, which idf.py would make.
  const m = spawnSync('make', ['-f', 'makefile', 'SDKCONFIG_H=', join(tmp, 'mc.xs.c')], { cwd: tmp, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (m.status === 0) return null;
  return `make mc.xs.c for ${app.name} (-p ${platform}) exited ${m.status ?? m.signal}\n${m.stdout}\n${m.stderr}`;
}

export interface LinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningLinApp {
  /** Resolves when the host exits. */
  exited: Promise<LinRun>;
  /** Output so far. */
  stdout(): string;
  /** Resolves with the output once a line matches (or rejects when the app exits first). */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  stop(): void;
}

/** Runs a built lin app in the headless host, with a time limit (s). */
export function runLinApp(app: LinApp, timeoutS: number): RunningLinApp {
  const child = spawn(LIN_HOST, ['--timeout', String(timeoutS), linLibrary(app)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (s: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      const m = w.re.exec(out);
      if (m !== null) { clearTimeout(w.timer); waiters.splice(i, 1); w.resolve(m[0]); }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; check(); });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<LinRun>((res) => {
    child.on('close', (code) => {
      for (const w of waiters.splice(0)) { clearTimeout(w.timer); w.reject(new Error(`${app.name} exited ${code} before ${w.re}:\n${out}\n${err}`)); }
      res({ code, stdout: out, stderr: err });
    });
  });
  return {
    exited,
    stdout: () => out,
    waitFor(re, timeoutMs) {
      const m = re.exec(out);
      if (m !== null) return Promise.resolve(m[0]);
      return new Promise((res, rej) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.timer === timer);
          if (i >= 0) waiters.splice(i, 1);
          rej(new Error(`${app.name}: no ${re} within ${timeoutMs} ms:\n${out}\n${err}`));
        }, timeoutMs);
        waiters.push({ re, resolve: res, reject: rej, timer });
      });
    },
    stop() { if (child.exitCode === null) child.kill('SIGKILL'); },
  };
}

/** The modules (names, as xsl sees them) mcconfig's makefile links into an app, and those it has xsl preload. */
export function appModules(app: LinApp): { modules: string[]; preloaded: string[] } {
  const makefile = readFileSync(join(appTmp(app), 'makefile'), 'utf8');
  const list = (name: string, re: RegExp): string[] => {
    const block = new RegExp(`^${name} =\\\\\\n((?:.*\\\\\\n)*.*)$`, 'm').exec(makefile);
    return block === null ? [] : [...block[1].matchAll(re)].map((m) => m[1]);
  };
  return {
    modules: list('MODULES', /\$\(MODULES_DIR\)\/(\S+)\.xsb/g),
    preloaded: list('PRELOADS', /-p (\S+)\.xsb/g),
  };
}

/** TAP results in an app's output: the plan's count and each result line. */
export function tapResults(stdout: string): { plan: number; results: string[] } {
  const lines = stdout.split('\n');
  const plan = lines.find((l) => /^1\.\.\d+$/.test(l));
  return { plan: plan === undefined ? -1 : Number(plan.slice(3)), results: lines.filter((l) => /^(not )?ok \d+ /.test(l)) };
}
