// Fleets beyond sockets: in-process links, simulator processes over one pipe each, the
// reconnect storm after a broker restart (real and simulated time), and the flags' checks.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sim, type Run } from './run-sim.js';

interface Storm { dropped: number; back: number; allBackMs: number; peakPerSecond: number; upAt: number; restartAt: number; spread: { min: number; max: number } }
type Summary = Record<string, number | string> & { links: { tcp: number; memory: number; pipe: number }; restart: Storm | null };

function summary(r: Run): Summary {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Summary;
}

test('--link memory: every device on an in-process link, in == out at QoS 1', async (t) => {
  const r = await sim(['--link', 'memory', '--devices', '20', '--duration', '2s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.deepEqual(s.links, { tcp: 0, memory: 20, pipe: 0 });
  t.is(s.connected, 20);
  t.true((s.out as number) >= 20 * 3, `out ${s.out}`);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
});

test('--procs 2: devices in two simulator processes over their pipes, counters summed', async (t) => {
  const r = await sim(['--procs', '2', '--link', 'memory', '--devices', '30', '--duration', '3s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.procs, 2);
  t.deepEqual(s.links, { tcp: 0, memory: 0, pipe: 30 });
  t.is(s.everConnected, 30);
  t.is(s.errors, 0);
  t.true((s.out as number) >= 30, `out ${s.out}`);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
});

for (const link of ['memory', 'tcp']) {
  test(`--scenario restart (${link}, real time): every device is back after the downtime, the storm is reported`, async (t) => {
    const r = await sim(['--scenario', 'restart', '--link', link, '--devices', '20', '--duration', '6s', '--downtime', '1s', '--interval', '500ms', '--json'], t);
    t.is(r.code, 0, r.stderr);
    const st = summary(r).restart;
    if (st === null) return t.fail('no restart report');
    t.is(st.dropped, 20);
    t.is(st.back, 20);
    t.true(st.upAt - st.restartAt >= 1000);
    t.true(st.allBackMs >= 1000, `all back after ${st.allBackMs} ms`);
    t.true(st.peakPerSecond >= 1 && st.peakPerSecond <= 20);
    t.true(st.spread.max >= st.spread.min);
  });
}

test('--virtual-time --scenario restart: the storm on simulated time, all back within the back-off cap', async (t) => {
  const r = await sim(['--virtual-time', '--scenario', 'restart', '--devices', '20', '--duration', '1h', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.simulatedMs, 3600000);
  const st = s.restart;
  if (st === null) return t.fail('no restart report');
  t.is(st.restartAt, 1200000);
  t.is(st.upAt - st.restartAt, 30000);
  t.is(st.back, st.dropped);
  t.is(st.dropped, 20);
  // Back-off doubles from 0.5 s up to 10 s, with jitter: everyone is back within the cap after the broker is.
  t.true(st.allBackMs >= 30000 && st.allBackMs <= 30000 + 10000, `all back ${st.allBackMs}`);
  t.true(st.spread.max > st.spread.min);
});

test('--stats-file: one JSON line a second with the live numbers; the summary has their percentiles', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-sim-stats-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'stats.jsonl');
  const r = await sim(['--devices', '10', '--duration', '4s', '--interval', '100ms', '--stats-file', file, '--json'], t);
  t.is(r.code, 0, r.stderr);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  t.true(lines.length >= 3 && lines.length <= 5, `${lines.length} lines`);
  for (const [k, l] of lines.entries()) {
    t.deepEqual(Object.keys(l), ['t', 'connected', 'outPerSec', 'inPerSec', 'rttP50', 'rttP99', 'reconnects', 'errors']);
    if (k > 0) t.true(l.t > lines[k - 1].t);
  }
  const s = summary(r) as unknown as { series: Record<string, { min: number; p50: number; p99: number; max: number }> };
  const out = lines.map((l) => l.outPerSec).sort((a, b) => a - b);
  t.is(s.series.outPerSec.max, out[out.length - 1]);
  t.is(s.series.outPerSec.min, out[0]);
  t.true(s.series.connected.max === 10);
  t.true(s.series.rttP99.p50 >= s.series.rttP50.p50);
});

for (const bad of [
  ['--link', 'bogus'], ['--link', 'memory', '--broker', 'mqtt://127.0.0.1:1'], ['--virtual-time', '--broker', 'mqtt://127.0.0.1:1'],
  ['--virtual-time', '--procs', '2'], ['--scenario', 'storm'], ['--event-log', '/tmp/x'], ['--procs', '0'],
  ['--broker', 'mqtt://127.0.0.1:1', '--procs', '2', '--faults', 'disconnect:5%'],
]) {
  test(`a bad combination (${bad.join(' ')}) is one line on stderr and exit code 2`, async (t) => {
    const r = await sim(bad, t);
    t.is(r.code, 2);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    t.is(r.stdout, '');
  });
}
