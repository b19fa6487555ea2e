// `xsmqtt pub` / `xsmqtt sub` (the built CLI) against mosquitto and its own clients, both ways.
import test from 'ava';
import { freePort } from '../peers/proc.js';
import { CLI, mosquittoPair, run, runToEnd } from './helpers.js';

const brokers = mosquittoPair(test);
const port = (): string => String(brokers.open().port);
const isDebug = (l: string): boolean => l.startsWith('Client ') || l.startsWith('Subscribed (mid');

for (const v of ['mqttv311', 'mqttv5'] as const) {
  test(`${v}: xsmqtt sub receives what mosquitto_pub sends at QoS 0, 1, 2, and a retained message`, async (t) => {
    const topic = `cli/${v}/in`;
    await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', `${topic}/kept`, '-m', 'retained', '-r', '-q', '1']);
    const sub = run(t, 'node', [CLI, 'sub', '-p', port(), '-V', v, '-t', `${topic}/#`, '-q', '2', '-v', '-C', '4', '-d']);
    await sub.waitFor('received SUBACK');
    for (const q of ['0', '1', '2']) {
      const r = await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-V', v, '-t', `${topic}/q${q}`, '-m', `message ${q}`, '-q', q]);
      t.is(r.code, 0, r.stderr);
    }
    t.is(await sub.exited, 0, sub.stderr);
    // -d prints on stdout, as mosquitto_sub does: the messages are the other lines.
    t.deepEqual(sub.stdout.trimEnd().split('\n').filter((l) => !isDebug(l)), [`${topic}/kept retained`, `${topic}/q0 message 0`, `${topic}/q1 message 1`, `${topic}/q2 message 2`]);
    await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', `${topic}/kept`, '-n', '-r']);
  });

  test(`${v}: mosquitto_sub receives what xsmqtt pub sends at QoS 0, 1, 2`, async (t) => {
    const topic = `cli/${v}/out`;
    const sub = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-p', port(), '-V', v, '-t', topic, '-q', '2', '-C', '3', '-d']);
    await sub.waitFor('SUBACK');
    for (const q of ['0', '1', '2']) {
      const r = await runToEnd(t, 'node', [CLI, 'pub', '-p', port(), '-V', v, '-t', topic, '-m', `message ${q}`, '-q', q]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stderr, '');
    }
    t.is(await sub.exited, 0);
    const lines = sub.stdout.split('\n').filter((l) => l.startsWith('message'));
    t.deepEqual(lines, ['message 0', 'message 1', 'message 2']);
  });
}

test('pub -l sends each stdin line as a message; -L gives host, port and topic', async (t) => {
  const sub = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-p', port(), '-t', 'cli/lines', '-C', '3', '-d']);
  await sub.waitFor('SUBACK');
  const r = await runToEnd(t, 'node', [CLI, 'pub', '-L', `mqtt://127.0.0.1:${port()}/cli/lines`, '-l', '-q', '1'], 'one\ntwo\nthree\n');
  t.is(r.code, 0, r.stderr);
  t.is(await sub.exited, 0);
  t.deepEqual(sub.stdout.split('\n').filter((l) => !l.startsWith('Client ') && !l.startsWith('Subscribed') && l !== ''), ['one', 'two', 'three']);
});

test('sub -W ends with status 27 like mosquitto_sub; -N prints no newline', async (t) => {
  const [ours, theirs] = await Promise.all([
    runToEnd(t, 'node', [CLI, 'sub', '-p', port(), '-t', 'cli/quiet', '-W', '1']),
    runToEnd(t, 'mosquitto_sub', ['-p', port(), '-t', 'cli/quiet', '-W', '1']),
  ]);
  t.is(theirs.code, 27, theirs.stderr);
  t.is(ours.code, 27, ours.stderr);
  t.is(ours.stderr, 'xsmqtt sub: timed out\n');
  const sub = run(t, 'node', [CLI, 'sub', '-p', port(), '-t', 'cli/n', '-N', '-C', '2', '-d']);
  await sub.waitFor('received SUBACK');
  await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'cli/n', '-m', 'a']);
  await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'cli/n', '-m', 'b']);
  t.is(await sub.exited, 0);
  t.is(sub.stdout.replace(/Client \S+ [^\n]*\n|Subscribed [^\n]*\n/g, ''), 'ab');
});

test('bad flags: one line on stderr and a non-zero status', async (t) => {
  const cases: [string[], RegExp][] = [
    [['pub', '--bogus'], /unknown option '--bogus'/],
    [['pub', '-t', 'x', '-m', 'a', '-q', '3'], /invalid QoS '3'/],
    [['pub', '-t', 'x'], /a message is needed/],
    [['sub', '-p', port()], /at least one topic filter/],
    [['sub', '-t', 'x', '-c'], /client id \(-i\) is needed with -c/],
    [['sub', '-t', 'x', '-V', '6'], /invalid protocol version '6'/],
    [['pub', '-t', 'x', '-m', 'a', '-D', 'publish', 'content-type', 'x'], /-D properties need MQTT 5/],
    [['pub', '-t', 'x', '-m', 'a', '-V', '5', '-D', 'publish', 'bogus', '1'], /property 'bogus' is not supported/],
    [['pub', '-t', 'x', '-m', 'a', '--cafile', '/nonexistent/ca.crt'], /cannot read --cafile file/],
  ];
  for (const [args, re] of cases) {
    const r = await runToEnd(t, 'node', [CLI, ...args]);
    t.not(r.code, 0, args.join(' '));
    t.regex(r.stderr, re);
    t.is(r.stderr.split('\n').length, 2, `one line for ${args.join(' ')}: ${r.stderr}`);
    t.is(r.stdout, '');
  }
});

test('failed connections: one line with the reason, non-zero status', async (t) => {
  const nothing = await freePort();
  const refused = await runToEnd(t, 'node', [CLI, 'pub', '-p', String(nothing), '-t', 'x', '-m', 'a']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /^xsmqtt pub: connection failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
  for (const v of ['311', '5']) {
    const denied = await runToEnd(t, 'node', [CLI, 'sub', '-p', String(brokers.closed().port), '-V', v, '-t', 'x', '-u', 'nobody', '-P', 'x']);
    // As mosquitto_sub: the CONNACK code as sent (3.1.1: 5 not authorised; 5: 0x87).
    t.is(denied.code, v === '5' ? 0x87 : 5);
    t.regex(denied.stderr, /^xsmqtt sub: connection failed: connection refused: (Not authorized \(0x87\)|Bad User Name or Password \(0x86\))\n$/);
  }
});

test('--help prints the options and exits 0', async (t) => {
  const r = await runToEnd(t, 'node', [CLI, 'sub', '--help']);
  t.is(r.code, 0);
  t.regex(r.stdout, /usage: xsmqtt sub/);
  t.regex(r.stdout, /--will-topic/);
});

test('--will-* : the will is published when xsmqtt sub dies; -D publish user-property reaches mosquitto_sub', async (t) => {
  const watch = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-p', port(), '-V', 'mqttv5', '-t', 'cli/will', '-t', 'cli/props', '-C', '2', '-F', '%t %p %P', '-d']);
  await watch.waitFor('SUBACK');
  const sub = run(t, 'node', [CLI, 'sub', '-p', port(), '-t', 'cli/nothing', '-d', '--will-topic', 'cli/will', '--will-payload', 'died', '--will-qos', '1']);
  await sub.waitFor('received SUBACK');
  sub.child.kill('SIGKILL');
  await watch.waitFor('cli/will died');
  const r = await runToEnd(t, 'node', [CLI, 'pub', '-p', port(), '-V', 'mqttv5', '-t', 'cli/props', '-m', 'p', '-D', 'publish', 'user-property', 'k', 'v', '-D', 'publish', 'content-type', 'text/plain']);
  t.is(r.code, 0, r.stderr);
  t.is(await watch.exited, 0);
  const lines = watch.stdout.split('\n').filter((l) => l.startsWith('cli/'));
  t.deepEqual(lines, ['cli/will died ', 'cli/props p k:v']);
});

test('-D connect/will/subscribe/unsubscribe properties are sent: the will\'s reach mosquitto_sub, the others are parsed into the requests', async (t) => {
  const watch = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-p', port(), '-V', 'mqttv5', '-t', 'cli/will5', '-C', '1', '-F', '%t %p %R %D %P', '-d']);
  await watch.waitFor('SUBACK');
  const sub = run(t, 'node', [CLI, 'sub', '-p', port(), '-V', 'mqttv5', '-t', 'cli/nothing', '-d', '--will-topic', 'cli/will5', '--will-payload', 'died',
    '-D', 'connect', 'user-property', 'site', 'lab', '-D', 'will', 'response-topic', 'cli/reply', '-D', 'will', 'correlation-data', 'c9',
    '-D', 'will', 'user-property', 'why', 'killed', '-D', 'subscribe', 'user-property', 's', '1']);
  await sub.waitFor('received SUBACK');
  sub.child.kill('SIGKILL');
  t.is(await watch.exited, 0);
  t.deepEqual(watch.stdout.split('\n').filter((l) => l.startsWith('cli/')), ['cli/will5 died cli/reply c9 why:killed']);
  const { parsePubSub } = await import('../../src/node/cli/pubsub-options.js');
  const c = parsePubSub('sub', ['-t', 'x', '-U', 'x', '-V', '5', '-D', 'connect', 'user-property', 'a', '1', '-D', 'connect', 'user-property', 'a', '2',
    '-D', 'connect', 'authentication-method', 'm', '-D', 'subscribe', 'user-property', 's', '1', '-D', 'unsubscribe', 'user-property', 'u', '2']);
  t.not(c, 'help');
  if (c === 'help') return;
  t.deepEqual(c.client.properties, { userProperties: { a: ['1', '2'] }, authenticationMethod: 'm' });
  t.deepEqual(c.subscribe.properties, { userProperties: { s: '1' } });
  t.deepEqual(c.unsubscribeOptions, { properties: { userProperties: { u: '2' } } });
});

test('one parser for every command: --flag=value as --flag value, and help made from the declarations', async (t) => {
  const { parseArgs: parseBroker } = await import('../../src/broker/cli.js');
  const { parseArgs: parseSim } = await import('../../src/node/sim/cli.js');
  const { parsePubSub } = await import('../../src/node/cli/pubsub-options.js');
  t.deepEqual(parseBroker(['--port=1884', '--max-queued', '7']).options, parseBroker(['--port', '1884', '--max-queued=7']).options);
  const sim = parseSim(['--devices=3', '--qos', '0'], false, () => undefined);
  t.true(sim !== 'help' && sim.devices === 3 && sim.qos === 0);
  const pub = parsePubSub('pub', ['--topic=t', '--message', 'm', '--qos=1', '--property', 'publish', 'user-property', 'k', 'v', '-V', '5']);
  t.true(pub !== 'help' && pub.qos === 1 && pub.publish.userProperties?.k === 'v');
  for (const [command, flags] of [
    ['broker', ['--tls-port', '--ws-port', '--store', '--trace-file', '--max-connections-per-address', '--session-quota', '--fault', '--bench-user', '--connect-timeout']],
    ['sim', ['--devices', '--faults', '--lx106', '--source-addresses', '--no-monitor', '--seed']],
    ['sub', ['-F', '-T', '-U', '-E', '-R', '--retained-only', '--remove-retained', '--retain-as-published', '-x', '--capath']],
  ] as const) {
    const r = await runToEnd(t, 'node', [CLI, command, '--help']);
    t.is(r.code, 0);
    for (const f of flags) t.true(r.stdout.includes(f), `${command} --help lists ${f}`);
  }
});
