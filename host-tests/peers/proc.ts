// Process and port helpers shared by the peer launchers: free loopback ports, temp dirs,
// child processes in their own process group, and a cleanup that runs even on a crash.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LOOPBACK = '127.0.0.1';

/** A port the kernel just handed out on loopback (closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const liveGroups = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function killAllNow(): void {
  for (const pgid of liveGroups) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* already gone */ }
  }
  liveGroups.clear();
  for (const dir of liveDirs) {
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  liveDirs.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => { killAllNow(); process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)); });
  }
}

/** A temp directory removed by `removeTempDir` or, at the latest, when the process exits. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `xsmqtt-${prefix}-`));
  liveDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  liveDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

export interface Proc {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Resolves when `pattern` appears in the output; rejects on exit or after `ms`. */
  waitFor(pattern: RegExp | string, ms: number): Promise<void>;
  /** TERM to the whole process group, KILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
  /** KILL to the whole process group at once. */
  kill(): Promise<void>;
}

/** Spawns `cmd` in a process group of its own, so that stopping it stops its children too. */
export function startProcess(cmd: string, args: string[], opts: SpawnOptions = {}): Proc {
  installExitHook();
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let listeners: Array<() => void> = [];
  const onData = (b: Buffer): void => { out += b.toString('utf8'); for (const l of listeners) l(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const pgid = child.pid;
  if (pgid !== undefined) liveGroups.add(pgid);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => { out += `\n[spawn error] ${err.message}\n`; done = true; if (pgid !== undefined) liveGroups.delete(pgid); resolve('spawn-error'); });
    child.once('exit', (code, sig) => {
      done = true;
      // The leader has gone; members of its group may not have: they are killed in stop().
      resolve(code ?? sig ?? 'unknown');
      for (const l of listeners) l();
    });
  });
  const killGroup = (sig: NodeJS.Signals): void => {
    if (pgid === undefined) return;
    try { process.kill(-pgid, sig); } catch { /* group already gone */ }
  };
  const proc: Proc = {
    child,
    output: () => out,
    exited,
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const test = (): boolean => (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out));
        let timer: NodeJS.Timeout | undefined;
        const check = (): void => {
          if (test()) { finish(); resolve(); } else if (done) { finish(); reject(new Error(`${cmd} exited before ${String(pattern)}; output:\n${out.slice(-2000)}`)); }
        };
        const finish = (): void => { if (timer) clearTimeout(timer); listeners = listeners.filter((l) => l !== check); };
        listeners.push(check);
        timer = setTimeout(() => { finish(); reject(new Error(`timed out after ${ms} ms waiting for ${String(pattern)} from ${cmd}; output:\n${out.slice(-2000)}`)); }, ms);
        check();
      });
    },
    async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM') {
      if (!done) {
        killGroup(signal);
        const t = setTimeout(() => killGroup('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      killGroup('SIGKILL'); // stragglers left in the group
      if (pgid !== undefined) liveGroups.delete(pgid);
    },
    async kill() {
      killGroup('SIGKILL');
      await exited;
      if (pgid !== undefined) liveGroups.delete(pgid);
    },
  };
  return proc;
}

/** Resolves once a TCP connection to host:port succeeds; polls every 50 ms, at most `ms`. */
export async function waitForPort(port: number, ms: number, host = LOOPBACK, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host, port });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => { s.destroy(); resolve(false); });
    });
    if (ok) return;
    if (alive && !alive()) throw new Error(`process exited before ${host}:${port} was listening`);
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A broker started for a test: where it listens and how to stop it. */
export interface RunningBroker {
  name: string;
  host: string;
  port: number;
  /** The broker's process id, where it runs in a process of its own. */
  pid?: number;
  /** Log output so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}
