// `xsmqtt broker` as a process: flags, the packet trace, and mosquitto_pub/mosquitto_sub against it.
import test, { ExecutionContext } from 'ava';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from '../../src/broker/cli.js';
import { CLI, startCli } from './helpers.js';

const run = promisify(execFile);

/** The CLI on any free port, without $SYS. */
const startOnFreePort = (t: ExecutionContext, args: string[]) => startCli(t, ['-p', '0', '--sys-interval', '0', ...args]);

test('bad flags: one-line error and exit code 2', async (t) => {
  for (const args of [['--bogus'], ['-p', 'x'], ['--fault', 'explode'], ['--fault', 'drop:packet=nope'], ['--tls-port', '1']]) {
    const err = await run(process.execPath, [CLI, 'broker', ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
    t.truthy(err, args.join(' '));
    t.is(err!.code, 2, args.join(' '));
    t.is(err!.stderr.trim().split('\n').length, 1, args.join(' '));
  }
});

test('flags map onto options', (t) => {
  const a = parseArgs(['-p', '1884', '--host', '::1', '--max-queued', '7', '--fault', 'nopong:client=dev-*', '--bench-client', 'ctl', '--trace']);
  t.is(a.options.port, 1884);
  t.is(a.options.host, '::1');
  t.is(a.options.maxQueued, 7);
  t.is(a.options.faults![0].kind, 'nopong');
  t.deepEqual(a.options.benchClients, ['ctl']);
  t.true(a.trace);
});

for (const version of ['mqttv311', 'mqttv5']) {
  test(`mosquitto_sub and mosquitto_pub (${version}) through the CLI broker, with a readable trace`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-cli-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const traceFile = join(dir, 'trace.jsonl');
    const { port, out } = await startOnFreePort(t, ['--trace', '--trace-file', traceFile]);
    const sub = spawn('mosquitto_sub', ['-p', String(port), '-V', version, '-i', 'sensor-sub', '-t', 'room/#', '-q', '2', '-C', '2', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => { sub.kill('SIGKILL'); });
    let received = '';
    sub.stdout!.on('data', (d) => { received += d; });
    // 'close', not 'exit': stdout may still hold the last line when the process exits.
    const done = new Promise<number | null>((resolve) => sub.once('close', resolve));
    // Publish once the subscription is in place (the trace shows the SUBACK).
    for (let i = 0; i < 100 && !/sensor-sub <- SUBACK/.test(out()); i++) await new Promise((r) => setTimeout(r, 50));
    await run('mosquitto_pub', ['-p', String(port), '-V', version, '-i', 'sensor-7', '-t', 'room/temp', '-m', '21.5', '-q', '1'], { timeout: 5000 });
    await run('mosquitto_pub', ['-p', String(port), '-V', version, '-i', 'sensor-8', '-t', 'room/hum', '-m', '40', '-q', '2'], { timeout: 5000 });
    t.is(await done, 0);
    t.is(received, 'room/temp 21.5\nroom/hum 40\n');
    t.regex(out(), /^\d\d:\d\d:\d\d\.\d{3} sensor-7 -> PUBLISH q1 id=\d+ t=room\/temp 4B$/m);
    t.regex(out(), /sensor-sub <- PUBLISH q1 id=\d+ t=room\/temp 4B/);
    t.regex(out(), /sensor-8 <- PUBREC id=\d+/);
    const records = readFileSync(traceFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    t.true(records.some((r) => r.client === 'sensor-7' && r.dir === 'in' && r.type === 'PUBLISH' && r.topic === 'room/temp'));
  });
}

test('passwd subcommand writes a user the broker then accepts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'passwd');
  await run(process.execPath, [CLI, 'broker', 'passwd', file, 'dev', 'pw']);
  t.regex(readFileSync(file, 'utf8'), /^dev:\$scrypt\$/);
  const { port } = await startOnFreePort(t, ['--password-file', file]);
  await run('mosquitto_pub', ['-p', String(port), '-u', 'dev', '-P', 'pw', '-t', 'a', '-m', 'x'], { timeout: 5000 });
  const bad = await run('mosquitto_pub', ['-p', String(port), '-u', 'dev', '-P', 'wrong', '-t', 'a', '-m', 'x'], { timeout: 5000 }).then(() => 0, (e) => e.code);
  t.not(bad, 0);
});

test('-v and --trace: the log and the trace lines carry one timestamp format', async (t) => {
  const { port, out, err } = await startOnFreePort(t, ['--trace', '-v']);
  await run('mosquitto_pub', ['-p', String(port), '-i', 'stamp-1', '-t', 'a/b', '-m', 'x'], { timeout: 5000 });
  for (let i = 0; i < 100 && !/stamp-1 disconnected/.test(err()); i++) await new Promise((r) => setTimeout(r, 50));
  const logLines = err().split('\n').filter((l) => l.includes('stamp-1'));
  const traceLines = out().split('\n').filter((l) => l.includes('stamp-1'));
  t.true(logLines.length >= 2 && traceLines.length >= 2, `${err()}\n${out()}`);
  for (const line of [...logLines, ...traceLines]) t.regex(line, /^\d\d:\d\d:\d\d\.\d{3} /);
});
