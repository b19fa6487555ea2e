// mosquitto (Debian 2.0) on a free loopback port, with a configuration written to a temp dir.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, LOOPBACK, makeTempDir, removeTempDir, startProcess, waitForPort, type RunningBroker } from './proc.js';

export interface MosquittoOptions {
  /** Extra configuration lines appended after the listener. */
  extraConfig?: string[];
  bin?: string;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningBroker> {
  const dir = makeTempDir('mosquitto');
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} ${LOOPBACK}`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stdout',
    'log_type error',
    'log_type warning',
    'log_type notice',
    ...(opts.extraConfig ?? []),
    '',
  ].join('\n'));
  const proc = startProcess(opts.bin ?? 'mosquitto', ['-c', conf]);
  try {
    await waitForPort(port, 5000, LOOPBACK, () => proc.child.exitCode === null);
  } catch (err) {
    await proc.stop();
    removeTempDir(dir);
    throw new Error(`mosquitto did not start: ${(err as Error).message}\n${proc.output()}`);
  }
  return {
    name: 'mosquitto', host: LOOPBACK, port, pid: proc.child.pid,
    log: () => proc.output(),
    async stop() { await proc.stop(3000); removeTempDir(dir); },
  };
}
