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

for (const version of [4, 5]) {
  test(`session steady state allocates nothing (MQTT ${version === 5 ? '5' : '3.1.1'}, 20,000 iterations)`, async (t) => {
    const r = await measureAllocation({ module: WORKLOAD, exportName: 'sessionSteadyState', args: { version }, iterations: 20000, warmup: 5000 });
    t.log(`gc ${r.gcCount}, new space ${r.newSpaceGrowth} B, heap ${r.heapGrowth} B, checksum ${r.result}`);
    t.is(r.gcCount, 0, r.gcTypes.join(','));
    t.is(r.newSpaceGrowth, 0);
    t.true(allocationFree(r));
  });
}
