// The companion broker as a child process for the chaos run and the hostile bench: started from
// a bundled snapshot (so a rebuild of dist/ by someone else cannot break a restart midway), on
// a port the system chooses, killed with SIGKILL or stopped with SIGTERM on request; an exit
// that was not asked for is a crash, kept with the end of its stderr. With a heap probe it runs
// with --expose-gc and answers 'heap' on its IPC channel (the memory bench).
import { ChildProcess, execFileSync, spawn, StdioOptions } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
export const ROOT = process.env.XSMQTT_ROOT ?? join(SELF, '../../../..');

export interface BrokerCrash {
  code: number | null;
  signal: string | null;
  /** The last few KiB of its stderr. */
  stderr: string;
  at: number;
}

/**
 * Bundles the broker CLI into dist/.broker-snapshot/<pid>/ (native and optional modules stay
 * outside, found in node_modules from there); returns the command to run it and a remover.
 * Falls back to dist/src/node/cli.js when esbuild is missing.
 */
export function brokerSnapshot(): { command: string[]; remove: () => void } {
  const dir = join(ROOT, 'dist/.broker-snapshot', String(process.pid));
  const esbuild = join(ROOT, 'node_modules/.bin/esbuild');
  const fallback = { command: [join(ROOT, 'dist/src/node/cli.js'), 'broker'], remove: () => undefined };
  if (!existsSync(esbuild)) return fallback;
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, [
    `import { main } from ${JSON.stringify(join(ROOT, 'dist/src/broker/cli.js'))};`,
    `import { answerHeapRequests } from ${JSON.stringify(join(ROOT, 'dist/host-tests/bench/broker-process.js'))};`,
    'const stopAnswering = answerHeapRequests();',
    'main(process.argv.slice(2)).then((c) => { process.exitCode = c; stopAnswering(); });',
    '',
  ].join('\n'));
  const out = join(dir, 'broker.mjs');
  execFileSync(esbuild, [entry, '--bundle', '--platform=node', '--format=esm', '--external:better-sqlite3', '--external:ws', '--log-level=error', `--outfile=${out}`]);
  return { command: [out], remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * In a broker child spawned with an IPC channel: answers 'heap' with the V8 heap in use after a
 * full collection (-1 without --expose-gc). Returns the remover, which lets the process exit
 * (a 'message' listener keeps the channel, and so the process, alive).
 */
export function answerHeapRequests(): () => void {
  if (!process.send) return () => undefined;
  const onMessage = (m: unknown): void => {
    if (m !== 'heap') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    // Twice: the first pass can leave objects with finalizers for the second.
    gc?.();
    gc?.();
    process.send!({ heapUsed: gc ? process.memoryUsage().heapUsed : -1 });
  };
  process.on('message', onMessage);
  return () => { process.off('message', onMessage); };
}

/** Resident memory of a process in KiB from /proc/<pid>/status; -1 when it is gone. */
export function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

export class BrokerProcess {
  child: ChildProcess | null = null;
  port = -1;
  starts = 0;
  crashes: BrokerCrash[] = [];
  /** Called when the broker exits without being asked to. */
  onCrash: ((c: BrokerCrash) => void) | null = null;
  private expectExit = false;
  private stderrTail = '';
  private exited: Promise<void> = Promise.resolve();

  /**
   * command: node script and leading arguments; args: the broker's flags (-p 0 is added);
   * heapProbe: run it with --expose-gc and an IPC channel, for heapUsed().
   */
  constructor(readonly command: string[], readonly args: string[], readonly heapProbe = false) {}

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts it and resolves with its port once it says it listens. */
  start(timeoutMs = 60000): Promise<number> {
    if (this.child) throw new Error('broker already running');
    const flags = this.heapProbe ? ['--expose-gc'] : [];
    const stdio: StdioOptions = this.heapProbe ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'];
    const child = spawn(process.execPath, [...flags, ...this.command, ...this.args, '-p', '0', '--host', '127.0.0.1'], { stdio });
    this.child = child;
    this.expectExit = false;
    this.stderrTail = '';
    this.starts++;
    // Never left behind: a parent that exits (even on an uncaught error) takes it along.
    const orphan = (): void => { child.kill('SIGKILL'); };
    process.on('exit', orphan);
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        process.off('exit', orphan);
        if (this.child === child) this.child = null;
        if (!this.expectExit) {
          const c: BrokerCrash = { code, signal, stderr: this.stderrTail, at: Date.now() };
          this.crashes.push(c);
          this.onCrash?.(c);
        }
        resolve();
      });
    });
    this.port = -1;
    return new Promise((resolve, reject) => {
      let seen = '';
      let listening = false;
      const timer = setTimeout(() => fail(new Error(`broker did not start within ${timeoutMs} ms: ${seen.slice(-500)}`)), timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        if (!listening) reject(e);
      };
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (d: string) => {
        this.stderrTail = (this.stderrTail + d).slice(-4096);
        if (listening) return;
        seen += d;
        const m = /listening on mqtt:\/\/[^:\s]+:(\d+)/.exec(seen);
        if (!m) return;
        listening = true;
        clearTimeout(timer);
        this.port = Number(m[1]);
        resolve(this.port);
      });
      child.on('exit', (code, signal) => fail(new Error(`broker exited at start (code ${code}, signal ${signal}): ${this.stderrTail.slice(-500)}`)));
      child.on('error', fail);
    });
  }

  /** kill -9, and waits for the exit. */
  async kill9(): Promise<void> {
    if (!this.child) return;
    this.expectExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a clean stop: the store is committed), SIGKILL after graceMs. */
  async stop(graceMs = 10000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.expectExit = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident memory in KiB from /proc/<pid>/status; -1 when not running. */
  rssKb(): number {
    return this.pid < 0 ? -1 : rssKb(this.pid);
  }

  /** The child's V8 heap in use after a full collection (needs heapProbe); NaN when it does not answer within ms. */
  heapUsed(ms = 10000): Promise<number> {
    const child = this.child;
    if (!child || !child.connected) return Promise.resolve(NaN);
    return new Promise((resolve) => {
      const done = (v: number): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(v);
      };
      const onMessage = (m: unknown): void => {
        const v = (m as { heapUsed?: unknown } | null)?.heapUsed;
        if (typeof v === 'number') done(v < 0 ? NaN : v);
      };
      const timer = setTimeout(() => done(NaN), ms);
      child.on('message', onMessage);
      child.send('heap');
    });
  }
}
