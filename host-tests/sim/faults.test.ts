// Honest faults: what the simulator cannot do to an external broker it refuses, what it
// injects it counts exactly (by the broker or by the devices), and a broker it cannot reach
// is named with the reason. Devices spread over several brokers.
import test from 'ava';
import { createServer } from 'node:net';
import { startBroker } from '../../src/broker/index.js';
import { sim, type Run } from './run-sim.js';

function summary(r: Run): Record<string, number | string> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, number | string>;
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('a broker fault rule with an external --broker is refused in one line, exit 2', async (t) => {
  const r = await sim(['--broker', 'mqtt://127.0.0.1:1883', '--faults', 'drop:packet=puback,count=10'], t);
  t.is(r.code, 2);
  t.is(r.stderr.trim().split('\n').length, 1);
  t.regex(r.stderr, /broker fault rule needs the embedded broker/);
});

test('a broker nobody listens on: "cannot reach" says refused, and where', async (t) => {
  const port = await closedPort();
  const r = await sim(['--broker', `mqtt://127.0.0.1:${port}`, '--devices', '2', '--duration', '1s'], t);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`cannot reach the broker at 127\\.0\\.0\\.1:${port}: connection refused`));
});

test('a host that does not resolve: "cannot reach" says DNS', async (t) => {
  const r = await sim(['--broker', 'mqtt://no-such-host.invalid:1883', '--devices', '2', '--duration', '1s'], t);
  t.is(r.code, 1);
  t.regex(r.stderr, /cannot reach the broker at no-such-host\.invalid:1883: DNS/);
});

for (const [kind, side] of [['kill', 'faultsOnDevices'], ['disconnect', 'faultsOnBroker']]) {
  test(`${kind}: faults injected are counted exactly (${side}), one disconnect each`, async (t) => {
    const r = await sim(['--devices', '10', '--duration', '4s', '--interval', '200ms', '--faults', `${kind}:20%/1s`, '--json'], t);
    t.is(r.code, 0, r.stderr);
    const s = summary(r);
    t.true((s.faultsInjected as number) >= 2, `faults ${s.faultsInjected}`);
    t.is(s[side], s.faultsInjected);
    t.is((s.faultsOnBroker as number) + (s.faultsOnDevices as number), s.faultsInjected as number);
    t.is(s.disconnects, s.faultsInjected);
    t.is(s.acked, s.out);
  });
}

test('--broker URL,URL: devices spread over both brokers, in == out over both monitors', async (t) => {
  const a = await startBroker({ port: 0, sysInterval: 0 });
  const b = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(async () => { await a.close(); await b.close(); });
  const r = await sim(['--broker', `mqtt://127.0.0.1:${a.port},mqtt://127.0.0.1:${b.port}`, '--devices', '10', '--duration', '2s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const s = summary(r);
  t.is(s.connected, 10);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
  // Five devices and one monitor each.
  t.is(a.broker.stats.connectionsTotal, 6);
  t.is(b.broker.stats.connectionsTotal, 6);
});
