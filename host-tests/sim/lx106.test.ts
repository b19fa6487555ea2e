// `xsmqtt sim --lx106`: the simulated devices each on an emulated ESP8266 (targets/lx106 under
// QEMU), against the embedded broker, with --json. Builds the firmware (make lx106) if missing.
import test from 'ava';
import { sim } from './run-sim.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LX106_ELF, ROOT } from '../../src/node/bridge/emulator.js';
import { LX106_MAX_DEVICES } from '../../src/node/sim/xs-fleet.js';

test.before(() => {
  if (!existsSync(LX106_ELF)) execFileSync('make', ['--no-print-directory', 'lx106'], { cwd: ROOT, stdio: 'ignore' });
});

test('--lx106: 2 devices on emulated ESP8266s, in == out at QoS 1', async (t) => {
  const r = await sim(['--lx106', '--devices', '2', '--duration', '3s', '--interval', '200ms', '--json'], t);
  t.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const s = JSON.parse(lines[lines.length - 1]) as Record<string, number>;
  t.is(s.devices, 2);
  t.is(s.everConnected, 2);
  t.is(s.reconnects, 0);
  t.is(s.errors, 0);
  t.true(s.out >= 2 * 3, `out ${s.out}`);
  t.is(s.acked, s.out);
  t.is(s.in, s.out);
});

test('--lx106 refuses more devices than the cap, and --xs with it, in one line, exit 2', async (t) => {
  for (const args of [['--lx106', '--devices', String(LX106_MAX_DEVICES + 1)], ['--lx106', '--xs']]) {
    const r = await sim(args, t);
    t.is(r.code, 2, args.join(' '));
    t.is(r.stderr.trim().split('\n').length, 1);
    t.regex(r.stderr, /--lx106/);
    t.is(r.stdout, '');
  }
});
