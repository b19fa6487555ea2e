// The codec inside the real XS engine (the host XS runtime of targets/xs): the vectors give
// the same results as on Node, and steady-state encode/decode allocates nothing.
import test from 'ava';
import { existsSync } from 'node:fs';
import { generatePeer } from '../codec/helpers/harness.js';
import { vectors } from '../codec/helpers/vectors.js';
import { encodeVector, runVectors } from './fixtures/codec-run.js';
import { lastJson, runInXs, XS_BIN } from './helpers.js';

test.before(() => {
  if (!existsSync(XS_BIN)) throw new Error(`${XS_BIN} is missing: run make xs-runtime (make test does)`);
});

function wireVectors(): string[][] {
  const out: string[][] = [];
  for (const v of vectors()) {
    const wire = generatePeer(v.obj, v.version);
    // The multi-megabyte packets (largest remaining lengths) stay on Node: XS takes seconds to
    // build their hex strings, and the same code paths are covered by the 64 KiB ones.
    if (wire.length <= 1 << 16) out.push(encodeVector(v.version, wire.toString('hex')));
  }
  // Malformed ones too: QoS 3, a remaining length that never ends, truncated, bad flags.
  out.push(encodeVector(4, '3e0300017400'), encodeVector(4, '30ffffffff'), encodeVector(5, '3603000174'));
  out.push(encodeVector(4, 'a200'), encodeVector(5, 'e001'));
  return out;
}

test('every codec vector decodes, re-encodes and frames the same inside XS as on Node', async (t) => {
  const wire = wireVectors();
  const node: string[] = [];
  runVectors(wire, (line) => node.push(line));
  t.true(node.filter((l) => l.includes(' rc=0 ') && l.includes(' enc=same')).length > 50, 'most vectors round-trip on Node');

  const entry = `import { encodeVector, runVectors } from './fixtures/codec-run.js';\nrunVectors(${JSON.stringify(wire)}, print);\n`;
  const r = await runInXs(entry, 'host', 110000);
  t.is(r.code, 0, r.stderr);
  const xs = r.stdout.split('\n').filter((l) => l.length > 0);
  t.is(xs.length, wire.length);
  for (let i = 0; i < wire.length; i++) t.is(xs[i], node[i], `vector ${i}`);
});

test('10,000 encode/decode loops inside XS add no slot, no chunk byte and no collection; a control that allocates is detected', async (t) => {
  const entry = `import { measureAll } from './fixtures/codec-alloc.js';\nfor (const r of measureAll(10000)) print('ALLOC ' + JSON.stringify(r));\n`;
  const r = await runInXs(entry, 'esp32');
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('ALLOC ')).map((l) => JSON.parse(l.slice(6)));
  t.is(lines.length, 4);
  for (const m of lines.slice(0, 3)) {
    t.log(`${m.name}: ${m.slots} slots, ${m.chunks} chunk bytes, ${m.collections} collections over ${m.loops} loops`);
    t.is(m.slots, 0, m.name);
    t.is(m.chunks, 0, m.name);
    t.is(m.collections, 0, m.name);
  }
  const control = lines[3];
  t.log(`${control.name}: ${control.slots} slots, ${control.collections} collections`);
  t.true(control.slots > 0 || control.collections > 0, 'the allocating control is seen');
  t.truthy(lastJson(r.stdout, 'ALLOC '));
});
