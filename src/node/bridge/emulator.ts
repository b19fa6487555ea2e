// Boots one emulated ESP8266: the firmware image of targets/lx106 (make lx106) under
// `qemu-system-xtensa -M sim -cpu lx106` with semihosting, running a device bundle from the
// host's file system (a bundle of src/node/bridge/bundle.ts: its preloaded part and the rest),
// its TCP connections carried by a Bridge of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bridge, type BridgeOptions } from './bridge.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file runs from dist/src/node/bridge/). */
export const ROOT = resolve(here, '../../../..');
export const LX106_ELF = join(ROOT, 'build/lx106/xsmqtt-lx106.elf');
export const QEMU = 'qemu-system-xtensa';

export interface Lx106Options {
  /** The device bundle (an ES module file; its imports are read from the host too). */
  bundle: string;
  /**
   * The bundle's preloaded part (DeviceBundle.preload): loaded before the memory budget applies,
   * as a device keeps it in flash, so that only the bundle's own modules are charged. Without
   * it the whole bundle loads before the budget (free).
   */
  preload?: string;
  /** Memory profile of the host runtime (host, esp32, esp8266). */
  profile?: string;
  /** Print the XS memory report on stderr at start and exit. */
  stats?: boolean;
  /** More runtime arguments, before the bundle (for example ['--flash', 'name=file']). */
  args?: string[];
  /** A bridge for the device's TCP connections; false: none (the device has no network). */
  bridge?: BridgeOptions | false;
  /** QEMU -icount shift: 0 = one guest instruction per emulated nanosecond (default). */
  icountShift?: number;
  /** Kill the emulator after this long (default 120 s). */
  timeoutMs?: number;
  /** Every line the device prints on its console, as it comes. */
  onLine?: (line: string) => void;
  elf?: string;
}

export interface Lx106Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface Lx106Device {
  readonly child: ChildProcess;
  readonly bridge?: Bridge;
  readonly exited: Promise<Lx106Exit>;
  /** Stops the emulator and the bridge (safe to call more than once). */
  stop(): void;
}

/** QEMU's command line for an image and the device's arguments. */
export function qemuArgs(elf: string, deviceArgs: string[], icountShift = 0): string[] {
  // -semihosting-config arg=... are the guest's argv; a comma inside one is written twice.
  const config = ['enable=on', 'arg=xsmqtt-lx106', ...deviceArgs.map((a) => `arg=${a.replace(/,/g, ',,')}`)].join(',');
  return [
    '-M', 'sim', '-cpu', 'lx106', '-semihosting-config', config,
    '-display', 'none', '-monitor', 'none', '-serial', 'none',
    '-icount', `shift=${icountShift}`, '-kernel', elf,
  ];
}

/** Says what is missing to run the emulated ESP8266, or undefined when all is there. */
export function lx106Missing(elf = LX106_ELF): string | undefined {
  if (!existsSync(elf)) return `${elf} is missing: run make lx106 (needs Debian's gcc-xtensa-lx106 picolibc-xtensa-lx106-elf gcc-12-source)`;
  const paths = (process.env.PATH ?? '').split(':');
  if (!paths.some((p) => existsSync(join(p, QEMU)))) return `${QEMU} is missing: install Debian's qemu-system-misc`;
  return undefined;
}

/**
 * For callers that manage a runtime process themselves (the host simulator runs its devices as
 * `xsmqtt-xs <args> bundle.js` children): the same, as one emulated ESP8266 with its own
 * bridge. `args` are the runtime's (for example ['--profile', 'host', file]); the bridge is
 * closed when the emulator exits or is killed.
 */
export function spawnLx106(args: string[], options: { icountShift?: number; bridge?: BridgeOptions; elf?: string } = {}): ChildProcess {
  const bridge = new Bridge(options.bridge ?? {});
  const child = spawn(QEMU, qemuArgs(options.elf ?? LX106_ELF, [...bridge.deviceArgs, ...args], options.icountShift ?? 0), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('close', () => bridge.close());
  child.on('error', () => bridge.close());
  return child;
}

export function startLx106(options: Lx106Options): Lx106Device {
  const elf = options.elf ?? LX106_ELF;
  const bridge = options.bridge === false ? undefined : new Bridge(options.bridge ?? {});
  const deviceArgs = [...(bridge ? bridge.deviceArgs : [])];
  if (options.profile) deviceArgs.push('--profile', options.profile);
  if (options.stats) deviceArgs.push('--stats');
  if (options.args) deviceArgs.push(...options.args);
  if (options.preload !== undefined) deviceArgs.push('--preload', resolve(options.preload));
  deviceArgs.push(resolve(options.bundle));
  const child = spawn(QEMU, qemuArgs(elf, deviceArgs, options.icountShift ?? 0), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  let timedOut = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (!options.onLine) return;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.onLine(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs ?? 120000);
  const exited = new Promise<Lx106Exit>((resolvePromise) => {
    child.on('error', (e) => { stderr += `${e.message}\n`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      bridge?.close();
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
  let stopped = false;
  return {
    child,
    bridge,
    exited,
    stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      bridge?.close();
    },
  };
}
