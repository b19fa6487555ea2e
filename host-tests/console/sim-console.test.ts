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
