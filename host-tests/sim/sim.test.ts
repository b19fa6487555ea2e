// The host simulator, run as users run it (`xsmqtt sim`), with few devices and --json.
import test from 'ava';
import { sim, type Run } from './run-sim.js';

function summary(r: Run): Record<string, number | string> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number | string>;
}

test('QoS 1 with no faults: every message out is acknowledged and delivered (in == out)', async (t) => {
  const r = await sim(['--devices', '8', '--duration', '3s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.devices, 8);
  t.is(s.connected, 8);
  t.is(s.everConnected, 8);
  t.is(s.reconnects, 0);
  t.is(s.errors, 0);
  t.true((s.out as number) >= 8 * 5, `out ${s.out}`);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
  t.true((s.p50Ms as number) > 0 && (s.p99Ms as number) >= (s.p50Ms as number));
  // Progress lines (not a TTY) come before the JSON summary.
  t.regex(r.stdout, /devices \d+\/8 {2}out/);
});

test('QoS 2 and MQTT 3.1.1: in == out', async (t) => {
  const r = await sim(['--devices', '4', '--duration', '2s', '--interval', '200ms', '--qos', '2', '--mqtt', '4', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.connected, 4);
  t.is(s.errors, 0);
  t.true((s.out as number) > 0);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
});

test('disconnect faults: devices reconnect and nothing is lost at QoS 1', async (t) => {
  const r = await sim(['--devices', '10', '--duration', '4s', '--interval', '200ms', '--faults', 'disconnect:20%/1s', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.true((s.faultsInjected as number) >= 2, `faults ${s.faultsInjected}`);
  t.true((s.reconnects as number) >= 1, `reconnects ${s.reconnects}`);
  t.is(s.disconnects, s.reconnects);
  t.is(s.acked, s.out);
  t.true((s.in as number) >= (s.acked as number));
});

test('the human summary names the default duration', async (t) => {
  const r = await sim(['--devices', '2', '--interval', '100ms', '--duration', '1s'], t);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /summary: 2 devices for/);
  t.regex(r.stdout, /round trip {2}p50 [\d.]+ ms, p99 [\d.]+ ms/);
});

for (const bad of [['--bogus'], ['--devices', 'many'], ['--qos', '3'], ['--faults', 'disconnect:lots'], ['--broker', 'http://x'], ['--duration']]) {
  test(`a bad flag (${bad.join(' ')}) is one line on stderr and exit code 2`, async (t) => {
    const r = await sim(bad, t);
    t.is(r.code, 2);
    t.is(r.stderr.trim().split('\n').length, 1);
    t.is(r.stdout, '');
  });
}

test('--xs: devices inside the XS engine (over several XS processes), in == out at QoS 1', async (t) => {
  const r = await sim(['--xs', '--devices', '16', '--duration', '3s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.everConnected, 16);
  t.is(s.reconnects, 0);
  t.is(s.errors, 0);
  t.true((s.out as number) >= 16 * 3, `out ${s.out}`);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
});

test('--xs refuses client-side kill faults in one line, exit 2', async (t) => {
  const r = await sim(['--xs', '--faults', 'kill:5%'], t);
  t.is(r.code, 2);
  t.is(r.stderr.trim().split('\n').length, 1);
});
