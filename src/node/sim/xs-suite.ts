// The integration suite inside the host XS runtime (targets/xs): the device's suite application
// bundled from the TypeScript sources with esbuild and run by build/xs/xsmqtt-xs, talking TCP
// to a broker held by Node.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDevice, suiteEntry } from '../bridge/bundle.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const XS_BIN = join(ROOT, 'build/xs/xsmqtt-xs');
const MODDABLE = join(ROOT, 'build/moddable/targets/moddable');

/** What is missing to run the suite in XS, or null. */
export function xsMissing(): string | null {
  if (!existsSync(XS_BIN)) return `${XS_BIN} is missing: run make xs-runtime`;
  if (!existsSync(join(MODDABLE, 'transport.js'))) return `${MODDABLE}/transport.js is missing: run make check-moddable`;
  return null;
}

/**
 * Runs the suite in XS against host:port, on the same device entry as the emulated ESP8266
 * (targets/lx106/app/suite-main.ts: the suite host of targets/moddable, TAP on the console, the
 * exit status at the end); lines of its console go to out. Resolves with the exit code.
 */
export async function runSuiteInXs(host: string, port: number, device: string, version: number, out: (s: string) => void, timeoutMs = 240000): Promise<number> {
  const bundle = await bundleDevice(suiteEntry({ broker: host, port, device, version }));
  try {
    return await new Promise<number>((resolvePromise, reject) => {
      const child = spawn(XS_BIN, ['--profile', 'host', bundle.file], { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (d: string) => out(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d));
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code) => { clearTimeout(timer); resolvePromise(code ?? 1); });
    });
  } finally {
    bundle.cleanup();
  }
}
