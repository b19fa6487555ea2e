// One target's fuzzing (or one input's replay) in a worker thread, so that the watchdog in the
// main thread can stop a hung execution. Coverage starts before the target's code is loaded.
import { parentPort, workerData } from 'node:worker_threads';
import { Coverage } from './coverage.js';

export interface WorkerJob {
  target: string;
  /** 'fuzz', or 'replay': run `extra` once each, no coverage, and report the time taken. */
  mode: 'fuzz' | 'replay';
  seed: number;
  maxExecs: number;
  maxMs: number;
  extra: string[];
  corpusDir: string | null;
  findingsDir: string | null;
  heartbeat: SharedArrayBuffer;
}

const job = workerData as WorkerJob;
const cov = job.mode === 'fuzz' ? new Coverage() : null;
const { Engine, signatureOf } = await import('./engine.js');
const { TARGETS } = await import('./targets/index.js');
const make = TARGETS[job.target];
if (make === undefined) throw new Error(`no target ${job.target}`);
const target = await make();
const extra = job.extra.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const heartbeat = new Int32Array(job.heartbeat);

if (cov === null) {
  // Replay: what the watchdog stopped, run again alone and timed.
  const t0 = performance.now();
  let error: ReturnType<typeof signatureOf> | null = null;
  for (const input of extra) {
    try {
      await target.run(input);
    } catch (e) {
      error = signatureOf(e);
    }
  }
  parentPort!.postMessage({ kind: 'replayed', ms: performance.now() - t0, error });
} else {
  const engine = new Engine(target, {
    seed: job.seed, maxExecs: job.maxExecs, maxMs: job.maxMs, extra, corpusDir: job.corpusDir, findingsDir: job.findingsDir, heartbeat,
    onProgress: (p) => parentPort!.postMessage({ kind: 'progress', progress: p }),
  }, cov);
  const progress = await engine.run();
  parentPort!.postMessage({ kind: 'done', progress });
}
