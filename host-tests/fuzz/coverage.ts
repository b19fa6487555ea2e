// Coverage from V8 itself (node:inspector precise block coverage): no instrumentation, works on
// the ESM output in dist/. One take per execution; counters reset at each take.
import { Session } from 'node:inspector';

interface Range { startOffset: number; endOffset: number; count: number }
interface FunctionCoverage { functionName: string; ranges: Range[] }
interface ScriptCoverage { url: string; functions: FunctionCoverage[] }

/** What one function's blocks are known to be: V8 reports a nested range only when its count differs from the enclosing one. */
interface FunctionInfo {
  /** Every range ever reported (start * 2^20 + end) with its feature number. */
  ranges: Map<number, number>;
  starts: number[];
  ends: number[];
  ids: number[];
  /** Distinct shapes (which reported ranges ran) seen, by hash: enough to say afterwards which ranges were covered. */
  shapes: Map<number, Range[]>;
}

/** AFL-style hit-count buckets: a loop that runs a new number of times is new behaviour. */
function bucket(n: number): number {
  if (n <= 3) return n;
  if (n <= 7) return 4;
  if (n <= 15) return 5;
  if (n <= 127) return 6;
  return 7;
}

export const enum Take { Learn, Record, Probe }

export interface CoverageStats {
  blocksCovered: number;
  blocksKnown: number;
  functionsCovered: number;
  functionsTotal: number;
}

export class Coverage {
  private session = new Session();
  private scripts = new Map<string, Map<number, FunctionInfo>>();
  private nextFeature = 0;
  /** Features (range number * 8 + bucket) seen so far. */
  private seen = new Set<number>();
  /** Ranges seen run (by feature number). */
  private covered = new Set<number>();
  private calledFns = new Set<FunctionInfo>();

  private urlParts: string[] = [];

  /** Starts counting: before the code to measure is loaded, or its functions have no block counters. */
  constructor() {
    this.session.connect();
    this.post('Profiler.enable');
    this.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  private post(method: string, params?: object): unknown {
    let result: unknown;
    let error: Error | null = null;
    let done = false;
    this.session.post(method, params, (err, res) => { error = err; result = res; done = true; });
    // An in-thread session answers synchronously; anything else would race the executions.
    if (!done) throw new Error(`inspector ${method} did not answer synchronously`);
    if (error) throw error;
    return result;
  }

  /** A script is measured when its URL contains one of these (the target's modules). */
  measure(urlParts: string[]): void {
    this.urlParts = urlParts;
  }

  private measured(url: string): boolean {
    for (const p of this.urlParts) if (url.includes(p)) return true;
    return false;
  }

  /**
   * Reads and resets the counters since the last call; returns how many new features the run
   * between showed. Mode Learn: only learn the functions (what ran is not the target's inputs);
   * Probe: count the blocks run for the first time, recording nothing (a batch of inputs: which
   * of them did it is found by running them again one by one).
   */
  take(mode = Take.Record): number {
    const res = this.post('Profiler.takePreciseCoverage') as { result: ScriptCoverage[] };
    let fresh = 0;
    for (const sc of res.result) {
      if (!this.measured(sc.url)) continue;
      let fns = this.scripts.get(sc.url);
      if (fns === undefined) {
        fns = new Map();
        this.scripts.set(sc.url, fns);
      }
      for (const fn of sc.functions) fresh += this.record(fns, fn, mode);
    }
    return fresh;
  }

  private record(fns: Map<number, FunctionInfo>, fn: FunctionCoverage, mode: Take): number {
    const rs = fn.ranges;
    let info = fns.get(rs[0].startOffset);
    if (info === undefined) {
      info = { ranges: new Map(), starts: [], ends: [], ids: [], shapes: new Map() };
      fns.set(rs[0].startOffset, info);
    }
    let shape = 0x811c9dc5;
    for (const r of rs) {
      const k = r.startOffset * 0x100000 + r.endOffset;
      if (!info.ranges.has(k)) {
        info.ranges.set(k, this.nextFeature);
        info.starts.push(r.startOffset);
        info.ends.push(r.endOffset);
        info.ids.push(this.nextFeature++);
      }
      shape = Math.imul(shape ^ r.startOffset, 16777619);
      shape = Math.imul(shape ^ (r.endOffset * 2 + (r.count > 0 ? 1 : 0)), 16777619);
    }
    if (rs[0].count === 0 || mode === Take.Learn) return 0;
    let fresh = 0;
    const { starts, ends, ids } = info;
    if (mode === Take.Probe) {
      for (let i = 0; i < ids.length; i++) if (!this.covered.has(ids[i]) && countAt(rs, starts[i], ends[i]) > 0) fresh++;
      return fresh;
    }
    this.calledFns.add(info);
    if (!info.shapes.has(shape)) info.shapes.set(shape, rs.map((r) => ({ startOffset: r.startOffset, endOffset: r.endOffset, count: r.count })));
    // Each known range counts as often as the innermost reported range around it.
    for (let i = 0; i < ids.length; i++) {
      const n = rs.length === 1 ? rs[0].count : countAt(rs, starts[i], ends[i]);
      if (n === 0) continue;
      this.covered.add(ids[i]);
      const f = ids[i] * 8 + bucket(n);
      if (!this.seen.has(f)) {
        this.seen.add(f);
        fresh++;
      }
    }
    return fresh;
  }

  /** Blocks (V8 block ranges) covered of those known; a function never called counts as one block. */
  stats(): CoverageStats {
    let covered = 0;
    let known = 0;
    let total = 0;
    for (const fns of this.scripts.values()) {
      for (const info of fns.values()) {
        total++;
        for (let i = 0; i < info.ids.length; i++) {
          known++;
          for (const rs of info.shapes.values()) {
            if (countAt(rs, info.starts[i], info.ends[i]) > 0) {
              covered++;
              break;
            }
          }
        }
      }
    }
    return { blocksCovered: covered, blocksKnown: known, functionsCovered: this.calledFns.size, functionsTotal: total };
  }
  close(): void {
    this.session.disconnect();
  }
}

/** The count of the innermost range of rs (properly nested, outermost first) that contains [s, e). */
function countAt(rs: Range[], s: number, e: number): number {
  let n = rs[0].count;
  let width = Infinity;
  for (const r of rs) {
    if (r.startOffset <= s && r.endOffset >= e && r.endOffset - r.startOffset <= width) {
      width = r.endOffset - r.startOffset;
      n = r.count;
    }
  }
  return n;
}
