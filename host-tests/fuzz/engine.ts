// The fuzzing loop: run the seeds, then mutate corpus entries, keep every input that reaches
// new coverage, and record every input that throws or breaks a property (once per distinct fault).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Coverage, CoverageStats, Take } from './coverage.js';
import { mutate, Rng } from './mutate.js';
import { FuzzTarget, hex } from './target.js';

const BATCH = 8;

export interface Finding {
  /** What went wrong, and where: the first line of the error and the innermost frame in src/. */
  signature: string;
  kind: 'exception' | 'property' | 'hang' | 'memory';
  message: string;
  stack: string;
  input: string;
}

export interface Progress {
  target: string;
  execs: number;
  seconds: number;
  corpus: number;
  seedCoverage: CoverageStats;
  coverage: CoverageStats;
  findings: Finding[];
}

export interface EngineOptions {
  seed: number;
  /** Executions of mutated inputs (the seeds run first in any case). */
  maxExecs: number;
  /** Wall-clock budget, ms. */
  maxMs: number;
  /** Extra starting inputs (a saved corpus, regressions). */
  extra: Uint8Array[];
  corpusDir: string | null;
  findingsDir: string | null;
  /** Shared with the watchdog: [0] executions started, [1] current input length, then the input. */
  heartbeat: Int32Array | null;
  onProgress: ((p: Progress) => void) | null;
}

/** Where an error comes from: its message's first line, numbers blanked, and the first frame under src/. */
export function signatureOf(e: unknown): { message: string; stack: string; signature: string; kind: Finding['kind'] } {
  const err = e instanceof Error ? e : new Error(String(e));
  const message = err.message.split('\n')[0];
  const stack = err.stack ?? message;
  const kind = err.name === 'PropertyViolation' ? 'property' : 'exception';
  // A property's message says what broke; an exception is known by where it was thrown.
  const frame = kind === 'property' ? '' : stack.split('\n').find((l) => l.includes('/dist/src/')) ?? stack.split('\n')[1] ?? '';
  const where = frame.replace(/^.*\/dist\/(src\/[^)]*?)(:\d+)?\)?$/, '$1').trim();
  const what = kind === 'property' ? message.replace(/:.*$/, '') : message;
  return { message, stack, kind, signature: `${kind}: ${what.replace(/0x[0-9a-f]+|\d+/g, 'N')}${where !== '' ? ' @ ' + where : ''}` };
}

export class Engine {
  private corpus: Uint8Array[] = [];
  private findings = new Map<string, Finding>();
  private rng: Rng;
  private execs = 0;
  private seedStats: CoverageStats | null = null;
  private started = Date.now();

  /** cov: started before the target's modules were loaded (V8 has block counters only in functions compiled after). */
  constructor(private target: FuzzTarget, private opts: EngineOptions, private cov: Coverage) {
    cov.measure(target.modules);
    cov.take(Take.Learn);
    this.rng = new Rng(opts.seed);
  }

  /** Runs the input; its coverage is left in the counters. */
  private async execute(input: Uint8Array): Promise<void> {
    const hb = this.opts.heartbeat;
    if (hb !== null) {
      const n = Math.min(input.length, (hb.length - 2) * 4);
      new Uint8Array(hb.buffer, 8, n).set(input.subarray(0, n));
      Atomics.store(hb, 1, n);
      Atomics.add(hb, 0, 1);
    }
    this.execs++;
    try {
      const r = this.target.run(input);
      if (r !== undefined) await r;
    } catch (e) {
      this.record(input, e);
    }
  }

  /** Runs the input alone: how many new features it reached. */
  private async runOne(input: Uint8Array): Promise<number> {
    await this.execute(input);
    return this.cov.take(Take.Record);
  }

  private record(input: Uint8Array, e: unknown): void {
    const s = signatureOf(e);
    if (this.findings.has(s.signature)) return;
    const f: Finding = { signature: s.signature, kind: s.kind, message: s.message, stack: s.stack, input: hex(input) };
    this.findings.set(s.signature, f);
    if (this.opts.findingsDir !== null) {
      const dir = join(this.opts.findingsDir, this.target.name);
      mkdirSync(dir, { recursive: true });
      const name = createHash('sha1').update(input).digest('hex').slice(0, 16);
      writeFileSync(join(dir, `${name}.bin`), input);
      writeFileSync(join(dir, `${name}.txt`), `${f.signature}\n${f.input}\n\n${f.stack}\n`);
    }
  }

  private keep(input: Uint8Array): void {
    this.corpus.push(input);
    if (this.opts.corpusDir !== null) {
      const dir = join(this.opts.corpusDir, this.target.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, createHash('sha1').update(input).digest('hex').slice(0, 16)), input);
    }
  }

  progress(): Progress {
    const coverage = this.cov.stats();
    return {
      target: this.target.name, execs: this.execs, seconds: (Date.now() - this.started) / 1000, corpus: this.corpus.length,
      seedCoverage: this.seedStats ?? coverage, coverage, findings: [...this.findings.values()],
    };
  }

  async run(): Promise<Progress> {
    const t = this.target;
    const o = this.opts;
    this.started = Date.now();
    for (const s of [...t.seeds(), ...o.extra]) {
      const input = s.length > t.maxLen ? s.subarray(0, t.maxLen) : s;
      if ((await this.runOne(input)) > 0 || this.corpus.length === 0) this.corpus.push(input);
    }
    this.seedStats = this.cov.stats();
    const end = this.started + o.maxMs;
    let lastReport = Date.now();
    // maxExecs counts the mutated inputs (the seeds always run).
    const seeded = this.execs;
    for (let round = 0; this.execs - seeded < o.maxExecs; round++) {
      if ((round & 7) === 0) {
        const now = Date.now();
        if (now >= end) break;
        // Let timers and messages through (the broker flushes on setImmediate).
        await new Promise((resolve) => setImmediate(resolve));
        if (o.onProgress !== null && now - lastReport > 5000) {
          lastReport = now;
          o.onProgress(this.progress());
        }
      }
      // A take of V8's counters costs more than most executions: one per batch, and the inputs
      // of a batch that reached new blocks are run again one by one.
      const batch: Uint8Array[] = [];
      for (let k = 0; k < BATCH; k++) {
        // Newer entries are likelier to lead somewhere new: pick among the last ones half the time.
        const c = this.corpus;
        const i = this.rng.chance(2) ? c.length - 1 - this.rng.below(Math.min(c.length, 16)) : this.rng.below(c.length);
        const input = mutate(this.rng, c[i], c[this.rng.below(c.length)], t.maxLen, t.optionBytes);
        batch.push(input);
        await this.execute(input);
      }
      if (this.cov.take(Take.Probe) === 0) continue;
      for (const input of batch) if ((await this.runOne(input)) > 0) this.keep(input);
    }
    const p = this.progress();
    this.cov.close();
    return p;
  }
}
