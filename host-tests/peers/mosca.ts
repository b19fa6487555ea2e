// mosca 2.8.3 (npm, aedes's predecessor, unmaintained since 2018) in a child process on a free
// loopback port. It is installed apart from the project's dependencies, into build/mosca, by
// `make interop` (host-tests/peers/mosca/package.json pins jsonschema 1.2.4, without which it
// throws at start on Node 20), so its old dependency tree never reaches `npm ci`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, LOOPBACK, startProcess, waitForPort, type RunningBroker } from './proc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, from dist/host-tests/peers/. */
const root = join(here, '..', '..', '..');
export const MOSCA_DIR = join(root, 'build', 'mosca');

export function moscaMissing(): string | null {
  return existsSync(join(MOSCA_DIR, 'node_modules', 'mosca', 'package.json'))
    ? null
    : 'mosca is not installed in build/mosca (make interop installs it: make mosca)';
}

export async function startMosca(): Promise<RunningBroker> {
  const missing = moscaMissing();
  if (missing !== null) throw new Error(missing);
  const port = await freePort();
  const proc = startProcess(process.execPath, [join(here, 'mosca-main.js'), MOSCA_DIR, String(port)]);
  try {
    await proc.waitFor('mosca ready', 20000);
    await waitForPort(port, 5000, LOOPBACK, () => proc.child.exitCode === null);
  } catch (err) {
    await proc.stop();
    throw new Error(`mosca did not start: ${(err as Error).message}`);
  }
  return {
    name: 'mosca', host: LOOPBACK, port,
    log: () => proc.output(),
    async stop() { await proc.stop(5000); },
  };
}
