// A short chaos run (chaos.ts) in the test suite: cuts at random bytes, the broker's drop,
// delay, duplicate and close rules, and kill -9 of the broker with a restart on its store,
// while QoS 1 and QoS 2 devices publish to a checker; nothing acknowledged is lost and no
// QoS 2 message arrives twice.
import test from 'ava';
import { runChaos } from './chaos.js';

const BUDGET = 80;

test('under 80 random faults with a broker kill -9, acknowledged QoS 1 messages arrive at least once and QoS 2 exactly once', async (t) => {
  const r = await runChaos({ faults: BUDGET, rate: 6, devicesPerQos: 2, intervalMs: 100, maxMs: 45000, drainMs: 30000, seed: 18, suite: false });
  t.log(JSON.stringify({ faults: r.faultsByKind, qos1: r.qos1, qos2: r.qos2, reconnects: r.reconnects, restarts: r.brokerRestarts, lostKeys: r.lostKeys, duplicates: r.duplicateDetails, restartTimes: r.restartTimes }));
  // The faults happened: the budget was spent, with cuts, broker rules and a restart among them.
  t.true(r.faults >= BUDGET, `only ${r.faults} faults injected`);
  t.true((r.faultsByKind['cut client->broker'] ?? 0) + (r.faultsByKind['cut broker->client'] ?? 0) > 0);
  t.true((r.faultsByKind.drop ?? 0) + (r.faultsByKind.delay ?? 0) + (r.faultsByKind.duplicate ?? 0) > 0);
  t.true(r.brokerRestarts >= 1);
  t.true(r.qos1.acked > 0 && r.qos2.acked > 0);
  t.is(r.brokerCrashes.length, 0);
  t.is(r.lost, 0);
  t.is(r.qos2Duplicates, 0);
});
