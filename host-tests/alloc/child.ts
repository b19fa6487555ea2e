// Runs inside `node --expose-gc --min/max-semi-space-size=N`: imports a workload module,
// warms it up, then measures one run of `iterations` with v8.GCProfiler (every collection
// between start and stop, recorded outside the JS heap) and the new-space used size. Prints
// one JSON line. Started by measure.ts; not a test by itself.
import v8 from 'node:v8';
import { pathToFileURL } from 'node:url';
import type { AllocSpec, AllocReport } from './measure.js';

type Run = (iterations: number) => number;

const gc = (globalThis as { gc?: () => void }).gc;

function newSpaceUsed(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  throw new Error('no new_space in v8.getHeapSpaceStatistics()');
}

/** One measured window: collections and new-space/heap growth around run(iterations). */
function measure(run: Run, iterations: number): { gcs: string[]; newSpace: number; heap: number; result: number } {
  gc!();
  gc!();
  const heap0 = v8.getHeapStatistics().used_heap_size;
  const new0 = newSpaceUsed();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const result = run(iterations);
  const profile = profiler.stop();
  const new1 = newSpaceUsed();
  const heap1 = v8.getHeapStatistics().used_heap_size;
  return { gcs: profile.statistics.map((s: { gcType: string }) => s.gcType), newSpace: new1 - new0, heap: heap1 - heap0, result };
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  const spec = JSON.parse(process.argv[2]) as AllocSpec;
  const url = spec.module.startsWith('file:') ? spec.module : pathToFileURL(spec.module).href;
  const mod = (await import(url)) as Record<string, (args: unknown) => Run>;
  const factory = mod[spec.exportName];
  if (typeof factory !== 'function') throw new Error(`${spec.module} has no export ${spec.exportName}`);
  const run = factory(spec.args);
  const warmup = spec.warmup ?? spec.iterations;
  // Warm-up: let the optimizing compiler settle before measuring.
  for (let i = 0; i < 3; i++) run(warmup);
  // The measuring itself (statistics objects, the profiler) allocates a little: a run of 0
  // iterations measures that fixed cost, which is subtracted.
  measure(run, 0); // first call: one-time costs of measuring itself
  const empty = measure(run, 0);
  const m = measure(run, spec.iterations);
  const report: AllocReport = {
    iterations: spec.iterations,
    gcCount: m.gcs.length,
    gcTypes: m.gcs,
    newSpaceGrowth: m.newSpace - empty.newSpace,
    heapGrowth: m.heap - empty.heap,
    baselineNewSpace: empty.newSpace,
    baselineGcCount: empty.gcs.length,
    result: m.result,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
