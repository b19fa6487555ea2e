// Inputs the fuzzer found (or that once broke a target), replayed by the test: one file per
// target, host-tests/fuzz/regressions/<target>.hex, one input per line as hex, '#' comments.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The source directory (the .hex files are not compiled into dist/). */
const DIR = fileURLToPath(new URL('../../../host-tests/fuzz/regressions/', import.meta.url));

export interface Regression {
  input: Uint8Array;
  /** The comment after the hex: what it once broke. */
  note: string;
  /** Marked 'unfixed': a known finding not fixed yet. */
  unfixed: boolean;
}

export function regressions(target: string): Regression[] {
  const file = join(DIR, `${target}.hex`);
  if (!existsSync(file)) return [];
  const out: Regression[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [hexPart, ...rest] = line.split('#');
    const hex = hexPart.replace(/\s+/g, '');
    if (hex === '') continue;
    const note = rest.join('#').trim();
    out.push({ input: Uint8Array.from(Buffer.from(hex, 'hex')), note, unfixed: /\bunfixed\b/.test(note) });
  }
  return out;
}
