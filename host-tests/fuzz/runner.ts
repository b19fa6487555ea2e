// Runs a target's fuzzing in a worker under a watchdog: an execution that makes no progress for
// hangMs is stopped, replayed alone to confirm it, recorded as a hang, and fuzzing goes on.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Finding, Progress } from './engine.js';
import type { WorkerJob } from './worker.js';

export interface RunOptions {
  target: string;
  seed: number;
  maxExecs: number;
  maxMs: number;
  /** An execution running longer than this is a hang (confirmed by a replay). */
  hangMs: number;
  extra: Uint8Array[];
  corpusDir: string | null;
  findingsDir: string | null;
  onProgress?: (p: Progress) => void;
}

const WORKER = new URL('./worker.js', import.meta.url);
/** The input slot of the heartbeat (larger inputs are cut there: every target's maxLen fits). */
const HEARTBEAT_BYTES = 8 + 65536;

type Message = { kind: 'progress' | 'done'; progress: Progress } | { kind: 'replayed'; ms: number; error: unknown };

function start(job: WorkerJob, onMessage: (m: Message) => void): { worker: Worker; ended: Promise<Error | null> } {
  const worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  worker.on('message', onMessage);
  const ended = new Promise<Error | null>((resolve) => {
    let error: Error | null = null;
    worker.on('error', (e) => { error = e; });
    worker.on('exit', () => resolve(error));
  });
  return { worker, ended };
}

/** Runs the input alone; the time it took, or -1 when it ran past the limit too. */
async function replay(o: RunOptions, input: Uint8Array, limitMs: number): Promise<number> {
  let ms = -1;
  const job: WorkerJob = { target: o.target, mode: 'replay', seed: 0, maxExecs: 1, maxMs: 0, extra: [Buffer.from(input).toString('hex')],
    corpusDir: null, findingsDir: null, heartbeat: new SharedArrayBuffer(HEARTBEAT_BYTES) };
  const { worker, ended } = start(job, (m) => { if (m.kind === 'replayed') ms = m.ms; });
  const timer = setTimeout(() => void worker.terminate(), limitMs);
  await ended;
  clearTimeout(timer);
  return ms;
}

function save(o: RunOptions, f: Finding): void {
  if (o.findingsDir === null) return;
  const dir = join(o.findingsDir, o.target);
  mkdirSync(dir, { recursive: true });
  const input = Buffer.from(f.input, 'hex');
  const name = createHash('sha1').update(input).digest('hex').slice(0, 16);
  writeFileSync(join(dir, `${name}.bin`), input);
  writeFileSync(join(dir, `${name}.txt`), `${f.signature}\n${f.input}\n\n${f.stack}\n`);
}

export async function runTarget(o: RunOptions): Promise<Progress> {
  const findings = new Map<string, Finding>();
  const deadline = Date.now() + o.maxMs;
  let execsDone = 0;
  let last: Progress | null = null;
  for (let round = 0; round < 20; round++) {
    const heartbeat = new SharedArrayBuffer(HEARTBEAT_BYTES);
    const hb = new Int32Array(heartbeat);
    const job: WorkerJob = {
      target: o.target, mode: 'fuzz', seed: o.seed + round, maxExecs: o.maxExecs - execsDone, maxMs: Math.max(0, deadline - Date.now()),
      extra: o.extra.map((b) => Buffer.from(b).toString('hex')), corpusDir: o.corpusDir, findingsDir: o.findingsDir, heartbeat,
    };
    let done: Progress | null = null;
    const { worker, ended } = start(job, (m) => {
      if (m.kind === 'progress') {
        last = m.progress;
        o.onProgress?.({ ...m.progress, execs: execsDone + m.progress.execs });
      }
      if (m.kind === 'done') done = m.progress;
    });
    let seen = 0;
    let since = Date.now();
    let stopped = false;
    const watch = setInterval(() => {
      const n = Atomics.load(hb, 0);
      if (n !== seen || n === 0) {
        seen = n;
        since = Date.now();
      } else if (Date.now() - since > o.hangMs) {
        stopped = true;
        void worker.terminate();
      }
    }, Math.min(100, o.hangMs / 4));
    const error = await ended;
    clearInterval(watch);
    const input = Buffer.from(new Uint8Array(heartbeat, 8, Atomics.load(hb, 1)));
    const report = (f: Omit<Finding, 'input'>): void => {
      const finding = { ...f, input: input.toString('hex') };
      if (!findings.has(f.signature)) {
        findings.set(f.signature, finding);
        save(o, finding);
      }
    };
    if (done !== null) {
      const p: Progress = done;
      for (const f of p.findings) findings.set(f.signature, f);
      execsDone += p.execs;
      return { ...p, execs: execsDone, findings: [...findings.values()] };
    }
    execsDone += Math.max(0, Atomics.load(hb, 0) - 1);
    if (stopped) {
      // Confirm alone (a loaded machine can stall a healthy run): still too slow, it is a hang.
      const ms = await replay(o, input, o.hangMs * 10);
      if (ms < 0 || ms > o.hangMs) report({ signature: `hang: over ${o.hangMs} ms`, kind: 'hang', message: `ran ${ms < 0 ? 'past ' + o.hangMs * 10 : ms.toFixed(0)} ms`, stack: '' });
    } else if (error !== null) {
      const oom = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      report({ signature: `${oom ? 'memory' : 'crash'}: ${error.message}`, kind: oom ? 'memory' : 'exception', message: error.message, stack: error.stack ?? '' });
    } else {
      report({ signature: 'crash: the worker exited', kind: 'exception', message: 'the worker exited without a result', stack: '' });
    }
    if (Date.now() >= deadline || execsDone >= o.maxExecs) break;
  }
  const base: Progress = (last as Progress | null) ?? {
    target: o.target, execs: execsDone, seconds: o.maxMs / 1000, corpus: 0,
    seedCoverage: { blocksCovered: 0, blocksKnown: 0, functionsCovered: 0, functionsTotal: 0 },
    coverage: { blocksCovered: 0, blocksKnown: 0, functionsCovered: 0, functionsTotal: 0 }, findings: [],
  };
  return { ...base, execs: execsDone, findings: [...findings.values()] };
}
