// `xsmqtt sim` (what `make sim` runs) prints the console's address, and the page is there while
// the run goes on, its fleet already counting the devices; --no-console prints none.
import test from 'ava';
import { spawn } from 'node:child_process';
import { until } from '../node/helpers.js';
import { CLI } from '../broker/helpers.js';
import { sim } from '../sim/run-sim.js';

test('xsmqtt sim prints the bench console URL, which serves the page and the fleet during the run', async (t) => {
  const p = spawn(process.execPath, [CLI, 'sim', '--devices', '3', '--duration', '4s', '--interval', '200ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  let out = '';
  p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const line = /bench console: (http:\/\/127\.0\.0\.1:\d+\/)/;
  await until(p.stdout, 'data', () => line.test(out), 15000);
  const url = line.exec(out)![1];
  t.regex(await (await fetch(url)).text(), /console\.js/);
  // The fleet's samples come once a second: wait on the run's own progress lines for two.
  let samples: { connected: number; inPerS: number }[] = [];
  await until(p.stdout, 'data', () => /devices 3\/3/.test(out), 15000);
  for (let i = 0; i < 50 && !samples.some((s) => s.connected >= 3 && s.inPerS > 0); i++) {
    samples = (await (await fetch(new URL('/api/fleet', url))).json()) as typeof samples;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.true(samples.some((s) => s.connected >= 3 && s.inPerS > 0), JSON.stringify(samples));
});

test('xsmqtt sim --no-console prints no console URL', async (t) => {
  const r = await sim(['--devices', '1', '--duration', '1s', '--no-console'], t);
  t.is(r.code, 0, r.stderr);
  t.notRegex(r.stdout, /bench console/);
});

test('a simulated device\'s timeline joins what it reported of itself to the broker\'s trace', async (t) => {
  const p = spawn(process.execPath, [CLI, 'sim', '--devices', '2', '--duration', '4s', '--interval', '200ms', '--qos', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  let out = '';
  p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const line = /bench console: (http:\/\/127\.0\.0\.1:\d+\/)/;
  await until(p.stdout, 'data', () => line.test(out), 15000);
  const url = line.exec(out)![1];
  type Rec = { t: string; dir: string; type: string; detail?: string };
  let recs: Rec[] = [];
  for (let i = 0; i < 60 && !recs.some((r) => r.type === 'telemetry acknowledged'); i++) {
    recs = (await (await fetch(new URL('/api/timeline?client=sim-000001', url))).json()) as Rec[];
    await new Promise((r) => setTimeout(r, 200));
  }
  const connack = recs.findIndex((r) => r.dir === 'out' && r.type === 'CONNACK');
  const connected = recs.findIndex((r) => r.dir === 'device' && r.type === 'connected');
  t.true(connack >= 0, 'the broker\'s CONNACK is in the timeline');
  t.true(connected > connack, 'the device\'s own "connected" follows the broker\'s CONNACK');
  const acked = recs.find((r) => r.dir === 'device' && r.type === 'telemetry acknowledged');
  t.regex(acked?.detail ?? '', /^rc=0x00 after \d+\.\d ms$/);
  t.true(recs.some((r) => r.dir === 'in' && r.type === 'PUBLISH') && recs.some((r) => r.dir === 'out' && r.type === 'PUBACK'));
  const times = recs.map((r) => Date.parse(r.t));
  t.deepEqual(times, [...times].sort((a, b) => a - b), 'one time order for both sides');
});
