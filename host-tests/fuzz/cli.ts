// npm run fuzz -- [--minutes N] [--target name] [--execs N] [--seed N] [--hang-ms N]
// Fuzzes each target (or one) for its share of the time; prints executions, exec/s, coverage,
// corpus size and findings; findings go to build/fuzz/findings/<target>/, new inputs to
// build/fuzz/corpus/<target>/ (read back as extra seeds on the next run).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from './engine.js';
import { regressions } from './regressions.js';
import { runTarget } from './runner.js';
import { TARGET_NAMES } from './targets/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function line(p: Progress): string {
  const c = p.coverage;
  const s = p.seedCoverage;
  return `${p.target.padEnd(15)} execs ${String(p.execs).padStart(9)}  ${(p.execs / Math.max(p.seconds, 0.001)).toFixed(0).padStart(6)}/s  ` +
    `blocks ${c.blocksCovered}/${c.blocksKnown} (seeds ${s.blocksCovered})  functions ${c.functionsCovered}/${c.functionsTotal}  ` +
    `corpus ${p.corpus}  findings ${p.findings.length}`;
}

const minutes = Number(arg('minutes', '1'));
const only = arg('target', '');
const names = only !== '' ? [only] : TARGET_NAMES;
if (names.some((n) => !TARGET_NAMES.includes(n))) throw new Error(`targets: ${TARGET_NAMES.join(', ')}`);
const out = arg('out', 'build/fuzz');
let findings = 0;
for (const target of names) {
  const corpusDir = join(out, 'corpus', target);
  const saved = existsSync(corpusDir) ? readdirSync(corpusDir).map((f) => Uint8Array.from(readFileSync(join(corpusDir, f)))) : [];
  const p = await runTarget({
    target, seed: Number(arg('seed', String(Date.now() & 0xffff))), maxExecs: Number(arg('execs', 'Infinity')),
    maxMs: (minutes * 60000) / names.length, hangMs: Number(arg('hang-ms', '1000')),
    extra: [...regressions(target).map((r) => r.input), ...saved],
    corpusDir: join(out, 'corpus'), findingsDir: join(out, 'findings'),
    onProgress: (q) => process.stderr.write(`  ${line(q)}\n`),
  });
  console.log(line(p));
  for (const f of p.findings) console.log(`  FINDING ${f.signature}\n    input ${f.input.slice(0, 200)}\n    ${f.stack.split('\n').slice(0, 4).join('\n    ')}`);
  findings += p.findings.length;
}
process.exitCode = findings > 0 ? 1 : 0;
