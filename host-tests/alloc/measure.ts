// The zero-allocation checker shared by the tests: runs a workload in a child
// `node --expose-gc` process with a fixed, small young generation and reports the garbage
// collections and the new-space growth over the measured run.
//
// A workload module exports a factory `(args) => (iterations) => number`: the factory does
// all set-up (allocation allowed), the returned function runs the hot loop `iterations`
// times and returns a number derived from the work (so it cannot be optimized away).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface AllocSpec {
  /** Path or file: URL of the compiled workload module. */
  module: string;
  /** Name of the factory export. */
  exportName: string;
  /** Passed to the factory (JSON). */
  args?: unknown;
  /** Iterations of the measured run. */
  iterations: number;
  /** Iterations of each of the three warm-up runs (default: iterations). */
  warmup?: number;
  /**
   * Semi-space size in MB (min = max, so the young generation cannot grow). Small enough that
   * allocating a few bytes per iteration forces a scavenge during the run. Default 1.
   */
  semiSpaceMB?: number;
}

export interface AllocReport {
  iterations: number;
  /** Collections of any kind during the measured run (v8.GCProfiler). */
  gcCount: number;
  gcTypes: string[];
  /** New-space bytes used after the run minus before, less the cost of measuring. */
  newSpaceGrowth: number;
  /** Same for the whole heap. */
  heapGrowth: number;
  /** What measuring an empty run costs (subtracted above). */
  baselineNewSpace: number;
  baselineGcCount: number;
  /** The workload's return value. */
  result: number;
}

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));

/** Runs the workload in a child process and returns what it measured. */
export function measureAllocation(spec: AllocSpec, timeoutMs = 60000): Promise<AllocReport> {
  const mb = spec.semiSpaceMB ?? 1;
  const args = ['--expose-gc', `--min-semi-space-size=${mb}`, `--max-semi-space-size=${mb}`, CHILD, JSON.stringify(spec)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`alloc child failed: ${err.message}\n${stderr}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as AllocReport);
      } catch {
        reject(new Error(`alloc child printed no report: ${stdout}\n${stderr}`));
      }
    });
  });
}

/** True when the run neither collected garbage nor grew the young generation. */
export function allocationFree(r: AllocReport): boolean {
  return r.gcCount === 0 && r.newSpaceGrowth === 0;
}
