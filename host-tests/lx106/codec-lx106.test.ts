// The codec inside XS on the emulated ESP8266's CPU: every vector gives the same lines as on
// Node (the same vectors and runner as the host XS runtime's test, host-tests/xs), but the 2 MB ones.
import test from 'ava';
import { generatePeer } from '../codec/helpers/harness.js';
import { vectors } from '../codec/helpers/vectors.js';
import { encodeVector, runVectors } from '../xs/fixtures/codec-run.js';
import { requireLx106, runOnLx106 } from './helpers.js';

test.before(() => requireLx106());

test('every codec vector decodes, re-encodes and frames the same on lx106 as on Node', async (t) => {
  const wire: string[][] = [];
  let skipped = 0;
  for (const v of vectors()) {
    const bytes = generatePeer(v.obj, v.version);
    // The three 2 MB packets (4-byte remaining lengths) cost minutes of emulated parsing; the
    // host XS runtime's test runs them. Everything up to 32 KiB runs here.
    if (bytes.length > 32768) { skipped++; continue; }
    wire.push(encodeVector(v.version, bytes.toString('hex')));
  }
  t.true(skipped <= 3, `${skipped} vectors left out`);
  wire.push(encodeVector(4, '3e0300017400'), encodeVector(4, '30ffffffff'), encodeVector(5, '3603000174'));
  wire.push(encodeVector(4, 'a200'), encodeVector(5, 'e001'));
  const node: string[] = [];
  runVectors(wire, (line) => node.push(line));
  const r = await runOnLx106(t, `import { runVectors } from './fixtures/codec-run.js';\nrunVectors(${JSON.stringify(wire)}, print);\n`,
    { timeoutMs: 90000 });
  t.is(r.code, 0, r.stderr);
  const lx = r.stdout.split('\n').filter((l) => l.length > 0);
  t.is(lx.length, wire.length);
  for (let i = 0; i < wire.length; i++) t.is(lx[i], node[i], `vector ${i}`);
});
