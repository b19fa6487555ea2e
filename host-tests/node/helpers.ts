// Helpers for the Node target's tests: awaiting events with a deadline, a cuttable TCP proxy,
// and running the built CLI as a child process that is always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext, TestFn } from 'ava';
import { startMosquitto } from '../peers/mosquitto.js';
import type { RunningBroker } from '../peers/proc.js';
import { LOOPBACK } from '../peers/proc.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(REPO, 'dist', 'src', 'node', 'cli.js');

/** The next `name` event's arguments (an 'error' event does not end the wait); rejects after ms. */
export function next<T extends unknown[] = unknown[]>(em: EventEmitter, name: string, ms = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (...args: unknown[]): void => { clearTimeout(t); resolve(args as T); };
    const t = setTimeout(() => { em.off(name, on); reject(new Error(`no '${name}' event within ${ms} ms`)); }, ms);
    em.once(name, on);
  });
}

/** Resolves once `cond()` holds, checking on every `name` event; rejects after ms. */
export function until(em: EventEmitter, name: string, cond: () => boolean, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!cond()) return;
      clearTimeout(t);
      em.off(name, check);
      resolve();
    };
    const t = setTimeout(() => { em.off(name, check); reject(new Error(`condition not met within ${ms} ms (waiting on '${name}')`)); }, ms);
    em.on(name, check);
    check();
  });
}

/** A TCP proxy on a free loopback port to target; cut() drops every connection through it. */
export interface Proxy {
  port: number;
  connections: number;
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = netConnect({ host: LOOPBACK, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    port,
    get connections() { return connections; },
    cut() { for (const s of sockets) s.destroy(); sockets.clear(); },
    close() { for (const s of sockets) s.destroy(); return new Promise((resolve) => server.close(() => resolve())); },
  };
}

export interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Exit status (or signal name). */
  exited: Promise<number | string>;
  /** Resolves once `text` appears on stdout or stderr. */
  waitFor(text: string, ms?: number): Promise<void>;
}

/** Starts a command; it is killed when the test ends, whatever happens. */
export function run(t: ExecutionContext, cmd: string, args: string[], input?: string): Run {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const r: Run = {
    child, stdout: '', stderr: '',
    exited: new Promise((resolve) => child.once('close', (code, sig) => resolve(code ?? sig ?? 'unknown'))),
    waitFor(text, ms = 30000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (r.stdout.includes(text) || r.stderr.includes(text)) { cleanup(); resolve(); }
        };
        const onExit = (): void => { cleanup(); reject(new Error(`${cmd} exited before '${text}'\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)); };
        const timer = setTimeout(() => { cleanup(); reject(new Error(`no '${text}' from ${cmd} within ${ms} ms\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)); }, ms);
        const cleanup = (): void => { clearTimeout(timer); child.stdout.off('data', check); child.stderr.off('data', check); child.off('close', onExit); };
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('close', onExit);
        check();
      });
    },
  };
  child.stdout.on('data', (b: Buffer) => { r.stdout += b.toString('utf8'); });
  child.stderr.on('data', (b: Buffer) => { r.stderr += b.toString('utf8'); });
  child.stdin.on('error', () => undefined);
  if (input !== undefined) child.stdin.end(input);
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return r;
}

/** Runs a command to its end (killed after ms): status, stdout, stderr. */
export async function runToEnd(t: ExecutionContext, cmd: string, args: string[], input?: string, ms = 30000): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const r = run(t, cmd, args, input);
  const timer = setTimeout(() => r.child.kill('SIGKILL'), ms);
  const code = await r.exited;
  clearTimeout(timer);
  // Let the pipes drain.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: r.stdout, stderr: r.stderr };
}

/** Two mosquittos for a test file, started before its tests and stopped after: one open, one refusing anonymous clients. */
export function mosquittoPair(test: TestFn): { open: () => RunningBroker; closed: () => RunningBroker } {
  let open: RunningBroker;
  let closed: RunningBroker;
  test.before(async () => {
    [open, closed] = await Promise.all([startMosquitto(), startMosquitto({ extraConfig: ['allow_anonymous false'] })]);
  });
  test.after.always(async () => { await Promise.all([open?.stop(), closed?.stop()]); });
  return { open: () => open, closed: () => closed };
}
