// The firmware image boots under QEMU's lx106 core: XS runs a bundle read over semihosting,
// prints to the console, keeps emulated time, and reports its exit status.
import test from 'ava';
import { requireLx106, runOnLx106 } from './helpers.js';

test.before(() => requireLx106());

test('a hello bundle prints, computes and fires a timer at exactly the emulated time', async (t) => {
  const r = await runOnLx106(t, `
    import Timer from 'timer';
    print('hello from XS on lx106', 6 * 7, JSON.stringify({ a: [1, 2.5] }), Math.sqrt(2), (123.456).toFixed(2));
    const t0 = __xsHost.now();
    Timer.set(() => { print('timer after ' + (__xsHost.now() - t0 >= 250) + ' ' + Math.round(__xsHost.now() - t0)); }, 250);
  `, { stats: true });
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello from XS on lx106 42 {"a":[1,2.5]} 1.4142135623730951 123.46\ntimer after true 250\n');
  t.regex(r.stderr, /# xs memory: profile host, slots \d+ live/);
});

test('the exit code given to __xsHost.exit and an uncaught exception reach the host', async (t) => {
  const exit = await runOnLx106(t, `print('bye'); __xsHost.exit(7);`);
  t.is(exit.code, 7);
  t.is(exit.stdout, 'bye\n');
  const thrown = await runOnLx106(t, `throw new Error('boom on lx106');`);
  t.is(thrown.code, 1);
  t.regex(thrown.stderr, /boom on lx106/);
});

test('64-bit and floating-point arithmetic from the assembled libgcc helpers is right', async (t) => {
  const r = await runOnLx106(t, `
    const a = 0x7fffffff, b = 48271;
    print(String((a * b) % 2147483647), String(2 ** 53 - 1), (1 / 3).toString(), String(Math.floor(-7 / 2)), String(-7 % 3),
      String(BigInt('123456789012345678901234567890') / 7n), (1e21).toString(), parseFloat('3.14159e-5').toExponential(3));
  `);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, `${(0x7fffffff * 48271) % 2147483647} ${2 ** 53 - 1} ${1 / 3} -4 -1 ${123456789012345678901234567890n / 7n} 1e+21 3.142e-5\n`);
});

test('memory full under the esp8266 profile is a clean report, not a crash', async (t) => {
  // The budget applies once the module graph is loaded (on a device it is in flash), so the
  // allocation happens in main(), as a device application's does.
  const r = await runOnLx106(t, `export default function main() { const keep = []; for (let i = 0; i < 100000; i++) keep.push(new Uint8Array(1024)); print('unreachable'); }`,
    { profile: 'esp8266', timeoutMs: 60000 });
  t.is(r.code, 3, r.stderr);
  t.false(r.stdout.includes('unreachable'));
  t.regex(r.stderr, /out of memory \(profile esp8266\)/);
});

test('spawnLx106 runs a bundle as a child process with a bridge of its own, removed at exit', async (t) => {
  const { bundle } = await import('../xs/helpers.js');
  const { spawnLx106 } = await import('../../src/node/bridge/emulator.js');
  const { existsSync } = await import('node:fs');
  const b = await bundle(`print('child ' + __xsHost.profile);`);
  t.teardown(b.cleanup);
  const child = spawnLx106(['--profile', 'esp32', '--preload', b.preload, b.file]);
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const args = child.spawnargs.join(' ');
  const dir = /arg=--link,arg=([^,]+)/.exec(args)?.[1];
  t.truthy(dir && existsSync(dir), args);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const code = await new Promise<number | null>((res) => child.on('close', res));
  t.is(code, 0);
  t.is(out, 'child esp32\n');
  t.false(existsSync(dir!), 'the bridge directory is removed');
});
