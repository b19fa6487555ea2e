// Zero allocation in the session's steady state, measured in a child process with a fixed
// 1 MB young generation (host-tests/alloc): publish and receive at every QoS, every
// acknowledgement, pings, through the driver, in MQTT 3.1.1 and 5.
import test from 'ava';
import { fileURLToPath } from 'node:url';
import { allocationFree, measureAllocation } from '../alloc/measure.js';
import { sessionSteadyState } from './alloc-workload.js';

const WORKLOAD = fileURLToPath(new URL('./alloc-workload.js', import.meta.url));

test('the steady-state workload really runs the flows (messages delivered, acks completed)', (t) => {
  const run = sessionSteadyState({ version: 5 });
  const a = run(0);
  const b = run(10);
  // Per iteration: 3 messages delivered (4+3+3 payload bytes), 2 completions (2), bytes written.
  t.true(b - a > 10 * 12);
});

// A one-off of a few hundred bytes can appear when the optimizing compiler finishes in the
// middle of the measured run on a loaded machine (seen under the full suite on 2 shared cores):
// up to six runs in fresh processes, and one must be clean (three were all hit once under CI's
// load). Allocation per iteration would show in every run (20,000 iterations x at least 16 B =
// 320 KB), and the control below shows the check sees it.
const ATTEMPTS = 6;
for (const version of [4, 5]) {
  test(`session steady state allocates nothing (MQTT ${version === 5 ? '5' : '3.1.1'}, 20,000 iterations)`, async (t) => {
    const runs: string[] = [];
    let clean = false;
    for (let attempt = 0; attempt < ATTEMPTS && !clean; attempt++) {
      const r = await measureAllocation({ module: WORKLOAD, exportName: 'sessionSteadyState', args: { version }, iterations: 20000, warmup: 20000 });
      runs.push(`gc ${r.gcCount} (${r.gcTypes.join(',')}), new space ${r.newSpaceGrowth} B, heap ${r.heapGrowth} B`);
      t.true(r.newSpaceGrowth < 16 * 1024, `growth that scales with the run: ${runs[runs.length - 1]}`);
      clean = allocationFree(r);
    }
    t.log(runs.join(' | '));
    t.true(clean, runs.join(' | '));
  });
}

test('session steady state with streaming allocates nothing (MQTT 5, a 600-byte PUBLISH through a 256-byte buffer each iteration, 20,000 iterations)', async (t) => {
  const check = sessionSteadyState({ version: 5, stream: true });
  const a = check(0);
  // Per iteration at least the 600 streamed payload bytes reach the handler.
  t.true(check(10) - a > 10 * 600);
  const runs: string[] = [];
  let clean = false;
  for (let attempt = 0; attempt < ATTEMPTS && !clean; attempt++) {
    const r = await measureAllocation({ module: WORKLOAD, exportName: 'sessionSteadyState', args: { version: 5, stream: true }, iterations: 20000, warmup: 20000 });
    runs.push(`gc ${r.gcCount} (${r.gcTypes.join(',')}), new space ${r.newSpaceGrowth} B, heap ${r.heapGrowth} B`);
    t.true(r.newSpaceGrowth < 16 * 1024, `growth that scales with the run: ${runs[runs.length - 1]}`);
    clean = allocationFree(r);
  }
  t.log(runs.join(' | '));
  t.true(clean, runs.join(' | '));
});

test('control: the same workload keeping one 4-byte array per iteration is detected', async (t) => {
  const r = await measureAllocation({ module: WORKLOAD, exportName: 'sessionSteadyState', args: { version: 5, leak: true }, iterations: 20000, warmup: 2000 });
  t.log(`gc ${r.gcCount}, new space ${r.newSpaceGrowth} B`);
  t.false(allocationFree(r));
});
