// The integration suite inside the host XS runtime (targets/xs): the suite and the core from
// dist/, the Moddable socket transport and timer clock from build/moddable/ (make
// check-moddable), bundled with esbuild and run by build/xs/xsmqtt-xs, talking TCP to a broker
// held by Node.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const XS_BIN = join(ROOT, 'build/xs/xsmqtt-xs');
const MODDABLE = join(ROOT, 'build/moddable/targets/moddable');
const DIST = join(ROOT, 'dist/src/core');

/** What is missing to run the suite in XS, or null. */
export function xsMissing(): string | null {
  if (!existsSync(XS_BIN)) return `${XS_BIN} is missing: run make xs-runtime`;
  if (!existsSync(join(MODDABLE, 'transport.js'))) return `${MODDABLE}/transport.js is missing: run make check-moddable`;
  return null;
}

function entry(host: string, port: number, device: string, version: number): string {
  const q = JSON.stringify;
  return `
import Timer from 'timer';
import Time from 'time';
import { Driver } from ${q(join(DIST, 'driver/driver.js'))};
import { SuiteRunner } from ${q(join(DIST, 'suite/runner.js'))};
import { allScenarios } from ${q(join(DIST, 'suite/scenarios.js'))};
import { SocketTransport } from ${q(join(MODDABLE, 'transport.js'))};
import { TimerClock } from ${q(join(MODDABLE, 'clock.js'))};
const FAR = 0x3fffffff;
class XsSuiteHost {
  constructor() {
    this.links = [];
    this.target = null;
    const self = this;
    this.timer = Timer.repeat(function () { self.fire(); }, FAR);
  }
  now() { return Time.ticks; }
  schedule(at, target) {
    this.target = target;
    const d = at - Time.ticks;
    Timer.schedule(this.timer, d > 0 ? d : 0, FAR);
  }
  fire() {
    Timer.schedule(this.timer, FAR, FAR);
    if (this.target !== null) this.target.onTimer();
  }
  open(session) {
    const t = new SocketTransport(${q(host)}, ${port}, session.opts.receiveBufferSize, session.opts.sendBufferSize);
    const c = new TimerClock();
    const d = new Driver(session, t, c);
    this.links.push({ d, t, session, c });
    d.start();
    return this.links.length - 1;
  }
  close(link, code) {
    const l = this.links[link];
    if (l.d.state === 1) { l.session.stopped = true; l.t.close(); return; }
    l.d.stop(code);
  }
  abort(link) {
    const l = this.links[link];
    l.session.stopped = true;
    l.t.close();
  }
  closed(link) { return this.links[link].d.state === 0; }
  release(link) { this.links[link].c.close(); this.links[link] = null; }
  print(line) { print(line); }
  finished(passed, failed) { __xsHost.exit(failed === 0 ? 0 : 1); }
}
export default function main() {
  new SuiteRunner(new XsSuiteHost(), ${q(device)}, ${version}, allScenarios()).start();
}
`;
}

/** Runs the suite in XS against host:port; lines of its console go to out. Resolves with the exit code. */
export async function runSuiteInXs(host: string, port: number, device: string, version: number, out: (s: string) => void, timeoutMs = 240000): Promise<number> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-suite-xs-'));
  try {
    const result = await build({
      stdin: { contents: entry(host, port, device, version), resolveDir: ROOT, sourcefile: 'suite-entry.js', loader: 'js' },
      bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false,
      external: ['timer', 'time', 'embedded:*'], logLevel: 'silent',
    });
    const file = join(dir, 'bundle.js');
    writeFileSync(file, result.outputFiles[0].text);
    return await new Promise<number>((resolvePromise, reject) => {
      const child = spawn(XS_BIN, ['--profile', 'host', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (d: string) => out(d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(d));
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code) => { clearTimeout(timer); resolvePromise(code ?? 1); });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
