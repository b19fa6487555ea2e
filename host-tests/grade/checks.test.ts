// The reconnect check on delays as the broker saw them: jitter that fits a schedule by chance
// on one delay is not called "without jitter"; a fixed schedule, with or without a cap, is.
import test from 'ava';
import { type Facts, judgeReconnect } from '../../src/node/grade/checks.js';
import type { Observation } from '../../src/node/grade/observe.js';

const obs = { faults: [] } as unknown as Observation;

function judge(delays: number[]): { outcome: string; reason: string } {
  const times = [0];
  for (const d of delays) times.push(times[times.length - 1] + d);
  const f = {
    reconnect: { droppedAt: 0, attempts: times.slice(1, -1), acceptedAt: times[times.length - 1] },
    reconnectWaitMs: 30000, refusals: delays.length - 1,
  } as unknown as Facts;
  const v = judgeReconnect(obs, f);
  return { outcome: v.outcome, reason: v.reason };
}

test('jittered back-off whose third delay fits the first two by chance passes', (t) => {
  // Seen in CI: 3220 is within 3 % of 571 * (1346 / 571)^2.
  t.is(judge([571, 1346, 3220, 4185]).outcome, 'pass');
  t.is(judge([612, 1873, 2950, 7420, 9100]).outcome, 'pass');
});

test('exponential back-off without jitter fails, capped or not', (t) => {
  for (const delays of [[1003, 2004, 4006, 8002], [1010, 2015, 4020, 5012, 5009], [500, 1000, 2000, 2000, 2000]]) {
    const v = judge(delays);
    t.is(v.outcome, 'fail', delays.join(' '));
    t.regex(v.reason, /back-off without jitter/);
  }
});

test('a fixed period fails; a storm fails; too few attempts are not exercised', (t) => {
  t.regex(judge([1005, 1003, 1010, 1002]).reason, /fixed period without jitter/);
  t.regex(judge([510, 40, 520]).reason, /reconnect storm/);
  t.is(judge([1000, 2000]).outcome, 'not exercised');
});

test('jitter on a flat period is no back-off', (t) => {
  t.regex(judge([900, 1300, 700, 1100]).reason, /no back-off/);
});
