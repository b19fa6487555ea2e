// The real clock over Node's timers: one timer for the earliest deadline, re-armed in steps
// Node can hold, so a deadline past 2^31-1 ms does not fire early (Node fires such a timer
// after 1 ms). The broker's deadlines themselves are checked on simulated time (clock.test.ts).
import test from 'ava';
import { MAX_TIMER_MS, RealClock } from '../../src/broker/clock.js';
import { until } from '../wait.js';
import { delay } from './helpers.js';

test('RealClock: a delay beyond the longest Node timer does not fire early', async (t) => {
  let fired = 0;
  const clock = new RealClock();
  t.teardown(() => clock.stop());
  const d = clock.after(MAX_TIMER_MS + 10, () => fired++);
  await delay(100);
  t.is(fired, 0);
  t.true(d.pending);
  d.cancel();
  t.false(d.pending);
  const short = clock.after(20, () => fired++);
  await until(() => fired === 1, 'the 20 ms timer', 3000);
  t.false(short.pending);
});

