// The integration suite on Node against the companion broker: `make device-test TARGET=node`
// is this run; a failing scenario fails it.
import test from 'ava';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker, Acl } from '../../src/broker/index.js';
import { NodeSuiteHost } from '../../src/node/sim/suite-host.js';
import { SuiteRunner } from '../../src/core/suite/runner.js';
import { ScenarioList } from '../../src/core/suite/scenario.js';
import { RefusedSubscription, ConnectClean, QosFlow } from '../../src/core/suite/scenarios.js';
import { SUITE_ACL } from '../../src/node/sim/device-test.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'node', 'sim', 'device-test.js');

function run(args: string[], t: { teardown(fn: () => void): void }): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
    let out = '';
    p.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    p.on('close', (code) => resolve({ code, out }));
  });
}

for (const version of ['5', '4']) {
  test(`every scenario passes against the companion broker (MQTT ${version === '5' ? '5.0' : '3.1.1'})`, async (t) => {
    const r = await run(['--mqtt', version, '--device', `ava-${version}`], t);
    const notOk = r.out.split('\n').filter((l) => l.startsWith('not ok'));
    t.deepEqual(notOk, [], r.out);
    t.is(r.code, 0, r.out);
    const plan = /^1\.\.(\d+)$/m.exec(r.out);
    t.truthy(plan);
    const oks = r.out.split('\n').filter((l) => /^ok \d+ - /.test(l));
    t.is(oks.length, Number(plan![1]));
    // Skips only where the protocol lacks the feature.
    for (const l of oks.filter((x) => x.includes('# SKIP'))) t.regex(l, /# SKIP MQTT 5 only$/);
    if (version === '5') t.is(oks.filter((x) => x.includes('# SKIP')).length, 0);
  });
}

test('a failing scenario is "not ok", counted, and every result is published to $bench/results/<device>', async (t) => {
  // No ACL: the refused-subscription scenario must fail.
  const b = await startBroker({ port: 0, sysInterval: 0 });
  t.teardown(() => b.close());
  const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, { clientId: 'watch-results', reconnectPeriod: 0 });
  t.teardown(() => { watcher.end(true); });
  const published: string[] = [];
  watcher.on('message', (topic, payload) => { if (topic === '$bench/results/failing') published.push(payload.toString()); });
  await watcher.subscribeAsync('$bench/results/#', { qos: 1 });
  const lines: string[] = [];
  const host = new NodeSuiteHost('127.0.0.1', b.port, (l) => lines.push(l));
  t.teardown(() => host.shutdown());
  const runner = new SuiteRunner(host, 'failing', 5, new ScenarioList([new ConnectClean(), new RefusedSubscription(), new QosFlow(1)]));
  runner.start();
  const r = await host.done;
  t.deepEqual(r, { passed: 2, failed: 1 });
  t.true(lines.includes('ok 1 - connect with clean start'));
  t.true(lines.some((l) => l.startsWith('not ok 2 - refused subscription (0x87) under an ACL # SUBACK is not 0x87')), lines.join('\n'));
  for (let i = 0; i < 50 && published.length < 4; i++) await new Promise((res) => setTimeout(res, 20));
  t.deepEqual(published, lines.filter((l) => /^(ok|not ok|#)/.test(l) && !l.startsWith('# companion')).slice(0, 4));
});

test('the suite profile ACL refuses subscriptions outside suite/, devices/ and $bench/', (t) => {
  const acl = Acl.parse(SUITE_ACL);
  t.true(acl.canSubscribe(null, 'x', 'suite/dev/#'));
  t.true(acl.canPublish(null, 'bench-suite-x', '$bench/fault/close'));
  t.false(acl.canSubscribe(null, 'x', 'forbidden/dev/#'));
});

for (const version of ['5', '4']) {
  test(`every scenario passes inside the XS engine (targets/xs, Moddable socket transport; MQTT ${version === '5' ? '5.0' : '3.1.1'})`, async (t) => {
    const r = await run(['--xs', '--mqtt', version, '--device', `ava-xs-${version}`], t);
    t.regex(r.out, /inside XS/);
    const notOk = r.out.split('\n').filter((l) => l.startsWith('not ok'));
    t.deepEqual(notOk, [], r.out);
    t.is(r.code, 0, r.out);
    const plan = /^1\.\.(\d+)$/m.exec(r.out);
    t.truthy(plan);
    t.is(r.out.split('\n').filter((l) => /^ok \d+ - /.test(l)).length, Number(plan![1]));
  });
}

test('--collect (for real devices): the suite broker prints what a device publishes to $bench/results/<device> and exits with its verdict', async (t) => {
  const probe = await startBroker({ port: 0, sysInterval: 0 });
  const port = probe.port;
  await probe.close();
  const collector = run(['--collect', '--device', 'collected', '--listen', `127.0.0.1:${port}`, '--timeout', '60'], t);
  // Wait for its broker to listen, then run the "device": the Node suite pointed at it.
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const device = await run(['--broker', `mqtt://127.0.0.1:${port}`, '--device', 'collected'], t);
  t.is(device.code, 0, device.out);
  const c = await collector;
  t.is(c.code, 0, c.out);
  t.regex(c.out, /^ok 15 - refused subscription/m);
  t.regex(c.out, /^# collected: passed 15, failed 0, skipped 0$/m);
});

test('--collect --port N: the collector listens on N instead of the --listen port (beside a system broker on 1883)', async (t) => {
  const probe = await startBroker({ port: 0, sysInterval: 0 });
  const port = probe.port;
  await probe.close();
  const collector = run(['--collect', '--device', 'ported', '--listen', '127.0.0.1:1883', '--port', String(port), '--timeout', '60'], t);
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (!up) await new Promise((r) => setTimeout(r, 25));
  }
  t.true(up, `nothing listens on ${port}`);
  const device = await run(['--broker', `mqtt://127.0.0.1:${port}`, '--device', 'ported'], t);
  t.is(device.code, 0, device.out);
  const c = await collector;
  t.regex(c.out, new RegExp(`^# companion broker \\(suite profile\\) on 127\\.0\\.0\\.1:${port}:`, 'm'));
  t.regex(c.out, /^# ported: passed 15, failed 0, skipped 0$/m);
  t.is(c.code, 0, c.out);
});

test('--port with a bad value: one line on stderr and exit 2', async (t) => {
  for (const bad of ['0', '65536', 'x']) {
    const p = spawn(process.execPath, [ENTRY, '--collect', '--device', 'd', '--port', bad], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
    let err = '';
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    t.is(code, 2);
    t.is(err.trimEnd().split('\n').length, 1, err);
    t.regex(err, /--port needs a port number/);
  }
});
