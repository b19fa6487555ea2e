// A short coverage-guided run of every fuzz target from the seeds (bounded executions), and the
// inputs found before replayed. `npm run fuzz -- --minutes N` runs the same targets for long.
import test from 'ava';
import { regressions } from './regressions.js';
import { runTarget } from './runner.js';
import { TARGETS } from './targets/index.js';

/** Executions of mutated inputs per target (after the seeds): a few seconds each on a loaded machine, and enough to go past the seeds. */
const EXECS: Record<string, number> = { 'client-decoder': 500, 'server-decoder': 500, framer: 400, session: 200, broker: 120 };

for (const name of Object.keys(TARGETS)) {
  test.serial(`${name}: no finding in ${EXECS[name]} executions, and coverage grows past the seeds'`, async (t) => {
    const p = await runTarget({
      target: name, seed: 1, maxExecs: EXECS[name], maxMs: 90000, hangMs: 5000,
      extra: regressions(name).filter((r) => !r.unfixed).map((r) => r.input), corpusDir: null, findingsDir: null,
    });
    t.log(`${p.execs} executions, blocks ${p.seedCoverage.blocksCovered} -> ${p.coverage.blocksCovered} of ${p.coverage.blocksKnown}, corpus ${p.corpus}`);
    t.deepEqual(p.findings.map((f) => `${f.signature} ${f.input}`), []);
    t.true(p.execs >= EXECS[name], `only ${p.execs} executions`);
    t.true(p.coverage.blocksCovered > p.seedCoverage.blocksCovered, 'the mutated inputs reached no block the seeds did not');
  });

  for (const r of regressions(name)) {
    const run = r.unfixed ? test.failing : test;
    run(`${name} regression: ${r.note}`, async (t) => {
      const target = await TARGETS[name]();
      await t.notThrowsAsync(async () => { await target.run(r.input); });
    });
  }
}
