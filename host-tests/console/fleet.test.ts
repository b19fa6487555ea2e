// The fleet's figures a second, from trace records: messages in and out from the counters, the
// QoS 1/2 round trip from a delivery to its PUBACK or PUBCOMP, reconnects, faults.
import test from 'ava';
import { Fleet, quantile } from '../../src/console/fleet.js';
import { newStats } from '../../src/broker/stats.js';
import type { TraceRecord } from '../../src/broker/trace.js';

const rec = (client: string, dir: 'in' | 'out', type: string, extra: Record<string, unknown> = {}): TraceRecord =>
  ({ t: '', client, dir, type, ...extra });

test('the round trip runs from PUBLISH out to PUBACK (QoS 1) or PUBCOMP (QoS 2); a DUP resend does not restart it', (t) => {
  const stats = newStats();
  const f = new Fleet(stats);
  f.packet(rec('a', 'out', 'PUBLISH', { qos: 1, id: 1 }), 1000);
  f.packet(rec('b', 'out', 'PUBLISH', { qos: 2, id: 1 }), 1000);
  f.packet(rec('a', 'out', 'PUBLISH', { qos: 1, id: 1, dup: true }), 1005);
  f.packet(rec('a', 'in', 'PUBACK', { id: 1 }), 1010);
  f.packet(rec('b', 'in', 'PUBREC', { id: 1 }), 1020);
  f.packet(rec('b', 'in', 'PUBCOMP', { id: 1 }), 1030);
  stats.publishReceived = 7;
  stats.publishSent = 9;
  stats.connected = 2;
  const s = f.sample(2000, stats);
  t.like(s, { t: 2000, connected: 2, inPerS: 7, outPerS: 9, rttP50: 30, rttP99: 30, reconnects: 0 });
  const next = f.sample(3000, stats);
  t.like(next, { inPerS: 0, outPerS: 0, rttP50: null, rttP99: null });
});

test('a client id connecting again is a reconnect; faults are kept with their time for the second they fired in', (t) => {
  const f = new Fleet(newStats());
  f.packet(rec('a', 'in', 'CONNECT', { clientId: 'a' }), 0);
  f.packet(rec('b', 'in', 'CONNECT', { clientId: 'b' }), 0);
  f.packet(rec('a', 'in', 'CONNECT', { clientId: 'a' }), 500);
  f.fault(700, 'drop #1 a');
  const s = f.sample(1000, newStats());
  t.is(s.reconnects, 1);
  t.deepEqual(s.faults, [{ t: 700, text: 'drop #1 a' }]);
  t.deepEqual(f.sample(2000, newStats()).faults, []);
});

test('quantiles of sorted samples', (t) => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  t.is(quantile(xs, 0.5), 51);
  t.is(quantile(xs, 0.99), 100);
  t.is(quantile([4], 0.99), 4);
});
