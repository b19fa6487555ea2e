// Runs device bundles on the emulated ESP8266 (targets/lx106 under QEMU), bundled the way the
// host XS runtime's tests bundle them (host-tests/xs/helpers.ts).
import type { ExecutionContext } from 'ava';
import { bundle } from '../xs/helpers.js';
import { lx106Missing, startLx106, type Lx106Exit, type Lx106Options } from '../../src/node/bridge/emulator.js';

export { lastJson } from '../xs/helpers.js';

/** Fails the test run with what to install when the image or QEMU is missing. */
export function requireLx106(): void {
  const missing = lx106Missing();
  if (missing) throw new Error(missing);
}

/** Bundles `contents` (imports resolve from dist/host-tests/xs/) and runs it to its end. */
export async function runOnLx106(
  t: ExecutionContext,
  contents: string,
  options: Omit<Lx106Options, 'bundle'> = {},
): Promise<Lx106Exit> {
  const b = await bundle(contents);
  t.teardown(b.cleanup);
  const device = startLx106({ ...options, bundle: b.file, preload: b.preload, bridge: options.bridge ?? false });
  t.teardown(() => device.stop());
  return device.exited;
}
