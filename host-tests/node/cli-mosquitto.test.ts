// `xsmqtt pub` / `xsmqtt sub` beside mosquitto_pub / mosquitto_sub (2.0), option by option, on
// one mosquitto broker: the same arguments must give the same output and exit status.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePubSub } from '../../src/node/cli/pubsub-options.js';
import { freePort } from '../peers/proc.js';
import { CLI, mosquittoPair, run, runToEnd, type Run } from './helpers.js';

const brokers = mosquittoPair(test);
const port = (): string => String(brokers.open().port);

type Result = { code: number | string; stdout: string; stderr: string };

let runs = 0;

/**
 * Runs `xsmqtt <cmd> args` and `mosquitto_<cmd> args` side by side; `{id}` in args becomes a
 * client id of each's own, unique unless `tag` names it (tests run at once: a shared id would
 * take the other's connection over).
 */
async function both(t: ExecutionContext, cmd: 'pub' | 'sub', args: string[], input?: string, tag = String(++runs)): Promise<{ ours: Result; theirs: Result }> {
  const ids = (who: string): string[] => args.map((a) => a.replaceAll('{id}', `${who}-${cmd}-${tag}`));
  const [ours, theirs] = await Promise.all([
    runToEnd(t, 'node', [CLI, cmd, ...ids('ours')], input),
    runToEnd(t, `mosquitto_${cmd}`, ids('theirs'), input),
  ]);
  return { ours: normalise(ours, 'ours'), theirs: normalise(theirs, 'theirs') };
}

function normalise(r: Result, who: string): Result {
  return { ...r, stdout: r.stdout.replace(new RegExp(`${who}-(pub|sub)-\\w+`, 'g'), 'ID') };
}

/** Both subscribers started (line-buffered, -d so that the SUBACK shows), then `act`, then their ends. */
async function subscribersThen(t: ExecutionContext, args: string[], act: () => Promise<unknown>): Promise<{ ours: Result; theirs: Result }> {
  const tag = ++runs;
  const ours = run(t, 'node', [CLI, 'sub', '-d', '-i', `ours-sub-${tag}`, ...args]);
  const theirs = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-d', '-i', `theirs-sub-${tag}`, ...args]);
  await Promise.all([ours.waitFor('Subscribed (mid'), theirs.waitFor('Subscribed (mid')]);
  await act();
  const end = async (r: Run, who: string): Promise<Result> => {
    const code = await r.exited;
    return normalise({ code, stdout: r.stdout, stderr: r.stderr }, who);
  };
  return { ours: await end(ours, 'ours'), theirs: await end(theirs, 'theirs') };
}

const withoutDebug = (s: string): string => s.split('\n').filter((l) => !/^(Client \S+ |Subscribed \(mid)/.test(l)).join('\n');
const onlyDebug = (s: string): string[] => s.split('\n').filter((l) => /^(Client \S+ |Subscribed \(mid)/.test(l));

async function retain(t: ExecutionContext, topic: string, message: string, extra: string[] = []): Promise<void> {
  const r = await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', topic, '-m', message, '-r', ...extra]);
  t.is(r.code, 0, r.stderr);
}

test('-F format specifiers, -v, -N and plain output print the same bytes', async (t) => {
  await retain(t, 'fmt/a', 'hello');
  await retain(t, 'fmt/b', 'wörld\t!', ['-q', '1']);
  const formats = [
    ['-v'], ['-N'], [], ['-v', '-N'],
    ['-F', '%t|%p|%q|%r|%l|%x|%X|%%|\\t|\\\\|@@'],
    ['-F', '[%-8t][%8t][%5.2t][%08l][%-4l][%12x][%-12X][%3p]'],
    ['-F', '%j', '-N'],
  ];
  const results = await Promise.all(formats.map((f) => both(t, 'sub', ['-p', port(), '-t', 'fmt/#', '-C', '2', '-q', '1', ...f])));
  for (const [k, { ours, theirs }] of results.entries()) {
    t.is(ours.code, 0, ours.stderr);
    t.is(theirs.code, 0, theirs.stderr);
    // Only the time stamp of %j may differ.
    const tst = (s: string): string => s.replace(/"tst":"[^"]+"/g, '"tst":"T"');
    t.is(tst(ours.stdout), tst(theirs.stdout), formats[k].join(' '));
  }
  t.regex(results[6].ours.stdout, /^\{"tst":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z[+-]\d{4}","topic":"fmt\/a"/);
});

test('-F MQTT 5 properties (%C %P %E %F %R %D) and the time helpers have mosquitto_sub\'s shape', async (t) => {
  await retain(t, 'props/x', 'p', ['-V', '5', '-D', 'publish', 'content-type', 'text/plain', '-D', 'publish', 'user-property', 'k', 'v',
    '-D', 'publish', 'payload-format-indicator', '1', '-D', 'publish', 'response-topic', 'reply/here', '-D', 'publish', 'correlation-data', 'c0']);
  const { ours, theirs } = await both(t, 'sub', ['-p', port(), '-V', 'mqttv5', '-t', 'props/x', '-C', '1', '-F', '%C|%P|%E|%F|%R|%D|%5C|%-3F|']);
  t.is(ours.code, 0, ours.stderr);
  t.is(ours.stdout, theirs.stdout);
  t.is(ours.stdout, 'text/plain|k:v||1|reply/here|c0|text/plain|1  |\n');
  const time = await both(t, 'sub', ['-p', port(), '-t', 'props/x', '-C', '1', '-F', '%I|%U|@Y-@m-@d|@N']);
  const shape = (s: string): string => s.replace(/\d/g, '9');
  t.is(shape(time.ours.stdout), shape(time.theirs.stdout));
});

test('%J prints JSON payloads and reports others on stderr, as mosquitto_sub', async (t) => {
  await retain(t, 'json/ok', '{"temperature": 27.5, "ok": true}');
  await retain(t, 'json/bad', 'not json');
  const { ours, theirs } = await both(t, 'sub', ['-p', port(), '-t', 'json/#', '-C', '2', '-F', '%J']);
  const tst = (s: string): string => s.replace(/"tst":"[^"]+"/g, '"tst":"T"');
  t.is(tst(ours.stdout), tst(theirs.stdout));
  t.regex(ours.stderr, /not valid JSON on topic json\/bad/);
  t.regex(theirs.stderr, /not valid JSON on topic json\/bad/);
});

test('-T filters topics out; -R drops retained messages; --retained-only stops at the first live one', async (t) => {
  await retain(t, 'filt/keep', 'k');
  await retain(t, 'filt/skip/x', 's');
  const filtered = await both(t, 'sub', ['-p', port(), '-t', 'filt/#', '-T', 'filt/skip/#', '-C', '1', '-v']);
  t.is(filtered.ours.stdout, filtered.theirs.stdout);
  t.is(filtered.ours.stdout, 'filt/keep k\n');

  const live = (): Promise<unknown> => runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'filt/live', '-m', 'L']);
  const noRetained = await subscribersThen(t, ['-p', port(), '-t', 'filt/#', '-R', '-C', '1', '-v'], live);
  t.is(withoutDebug(noRetained.ours.stdout), withoutDebug(noRetained.theirs.stdout));
  t.is(withoutDebug(noRetained.ours.stdout), 'filt/live L\n');

  const retainedOnly = await subscribersThen(t, ['-p', port(), '-t', 'filt/#', '--retained-only', '-v'], live);
  t.is(retainedOnly.ours.code, 0);
  t.is(retainedOnly.theirs.code, 0);
  t.is(withoutDebug(retainedOnly.ours.stdout), withoutDebug(retainedOnly.theirs.stdout));
  t.is(withoutDebug(retainedOnly.ours.stdout), 'filt/keep k\nfilt/skip/x s\n');
});

test('--remove-retained clears the retained messages it receives, except those -T filters out', async (t) => {
  for (const who of ['ours', 'theirs']) {
    await retain(t, `rm/${who}/a`, 'a');
    await retain(t, `rm/${who}/b`, 'b');
    await retain(t, `rm/${who}/kept`, 'c');
  }
  const [ours, theirs] = await Promise.all([
    runToEnd(t, 'node', [CLI, 'sub', '-p', port(), '-t', 'rm/ours/#', '-T', 'rm/ours/kept', '--remove-retained', '-C', '2', '-v']),
    // mosquitto_sub 2.0.11 does not exit after -C with --remove-retained: stopped after a while.
    runToEnd(t, 'mosquitto_sub', ['-p', port(), '-t', 'rm/theirs/#', '-T', 'rm/theirs/kept', '--remove-retained', '-C', '2', '-v'], undefined, 6000),
  ]);
  t.is(ours.code, 0, ours.stderr);
  t.is(ours.stdout.replaceAll('ours', 'X'), theirs.stdout.replaceAll('theirs', 'X'));
  // What is left retained: only the filtered-out message, for both.
  const left = await Promise.all(['ours', 'theirs'].map((who) => runToEnd(t, 'mosquitto_sub', ['-p', port(), '-t', `rm/${who}/#`, '-v', '-W', '1'])));
  t.is(left[0].stdout, 'rm/ours/kept c\n');
  t.is(left[1].stdout, 'rm/theirs/kept c\n');
});

test('-E exits once subscribed; -U unsubscribes a kept session; -c -x keeps it for the next run', async (t) => {
  const e = await both(t, 'sub', ['-p', port(), '-t', 'e/x', '-E']);
  t.is(e.ours.code, 0, e.ours.stderr);
  t.is(e.theirs.code, 0);
  t.is(e.ours.stdout, e.theirs.stdout);
  // A kept MQTT 5 session with two subscriptions; -U drops one of them.
  const v5 = ['-p', port(), '-V', 'mqttv5', '-i', '{id}', '-c', '-q', '1'];
  await both(t, 'sub', [...v5, '-x', '60', '-t', 'keep/a', '-t', 'keep/b', '-E'], undefined, 'keep');
  const u = await both(t, 'sub', [...v5, '-x', '60', '-t', 'keep/a', '-U', 'keep/b', '-E'], undefined, 'keep');
  t.is(u.ours.code, 0, u.ours.stderr);
  await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'keep/b', '-m', 'dropped', '-q', '1']);
  await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'keep/a', '-m', 'queued', '-q', '1']);
  // The next run gets what was queued while away, only on the filter kept.
  const next = await both(t, 'sub', [...v5, '-x', '0', '-t', 'keep/a', '-C', '1', '-v'], undefined, 'keep');
  t.is(next.ours.code, 0, next.ours.stderr);
  t.is(next.ours.stdout, next.theirs.stdout, next.theirs.stderr);
  t.is(next.ours.stdout, 'keep/a queued\n');
});

test('--retain-as-published keeps the retain flag of a live retained message (MQTT 5)', async (t) => {
  const publish = (): Promise<unknown> => runToEnd(t, 'mosquitto_pub', ['-p', port(), '-V', '5', '-t', 'rap/x', '-m', 'r', '-r']);
  const rap = await subscribersThen(t, ['-p', port(), '-V', 'mqttv5', '-t', 'rap/x', '--retain-as-published', '-C', '1', '-F', '%r %p'], publish);
  t.is(withoutDebug(rap.ours.stdout), withoutDebug(rap.theirs.stdout));
  t.is(withoutDebug(rap.ours.stdout), '1 r\n');
  await runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', 'rap/x', '-n', '-r']);
});

test('-d prints every packet as libmosquitto does, for pub at QoS 0, 1, 2 and for sub', async (t) => {
  for (const v of ['mqttv311', 'mqttv5']) {
    for (const q of ['0', '1', '2']) {
      const { ours, theirs } = await both(t, 'pub', ['-p', port(), '-V', v, '-i', '{id}', '-d', '-t', `dbg/${q}`, '-m', 'hello', '-q', q, '-r']);
      t.is(ours.code, 0, ours.stderr);
      t.deepEqual(ours.stdout.split('\n'), theirs.stdout.split('\n'), `${v} q${q}`);
    }
  }
  // One message: the client reads what has come in whole chunks, libmosquitto a packet at a time.
  const { ours, theirs } = await both(t, 'sub', ['-p', port(), '-i', '{id}', '-d', '-t', 'dbg/1', '-t', 'other', '-q', '1', '-C', '1']);
  t.deepEqual(onlyDebug(ours.stdout), onlyDebug(theirs.stdout));
  t.true(onlyDebug(ours.stdout).includes("Client ID received PUBLISH (d0, q1, r1, m1, 'dbg/1', ... (5 bytes))"));
  await Promise.all(['0', '1', '2'].map((q) => runToEnd(t, 'mosquitto_pub', ['-p', port(), '-t', `dbg/${q}`, '-n', '-r'])));
});

test('--repeat N --repeat-delay S publishes N times; -l one message per line', async (t) => {
  const watch = run(t, 'stdbuf', ['-oL', 'mosquitto_sub', '-p', port(), '-t', 'rep/#', '-v', '-C', '8', '-d']);
  await watch.waitFor('Subscribed');
  const rep = await both(t, 'pub', ['-p', port(), '-t', 'rep/{id}', '-m', 'x', '--repeat', '3', '--repeat-delay', '0.1', '-q', '1']);
  t.is(rep.ours.code, 0, rep.ours.stderr);
  t.is(rep.theirs.code, 0);
  const lines = await both(t, 'pub', ['-p', port(), '-t', 'rep/{id}', '-l'], 'one\n');
  t.is(lines.ours.code, 0, lines.ours.stderr);
  t.is(await watch.exited, 0);
  const got = withoutDebug(watch.stdout).split('\n').filter((l) => l !== '').map((l) => l.replace(/-pub-\w+/, '')).sort();
  t.deepEqual(got, ['rep/ours one', 'rep/ours x', 'rep/ours x', 'rep/ours x', 'rep/theirs one', 'rep/theirs x', 'rep/theirs x', 'rep/theirs x']);
});

test('exit statuses: CONNACK code on refusal, 1 when nothing listens or on a bad flag, 27 on -W', async (t) => {
  const nothing = String(await freePort());
  const cases: [string, 'pub' | 'sub', string[]][] = [
    ['refused 3.1.1', 'sub', ['-p', String(brokers.closed().port), '-t', 'x']],
    ['refused 5', 'sub', ['-p', String(brokers.closed().port), '-V', 'mqttv5', '-t', 'x']],
    ['refused pub 5', 'pub', ['-p', String(brokers.closed().port), '-V', 'mqttv5', '-t', 'x', '-m', 'm']],
    ['no listener', 'pub', ['-p', nothing, '-t', 'x', '-m', 'm']],
    ['bad flag', 'sub', ['-p', port(), '-t', 'x', '--bogus']],
    ['bad qos', 'pub', ['-p', port(), '-t', 'x', '-m', 'm', '-q', '3']],
    ['wildcard publish topic', 'pub', ['-p', port(), '-t', 'x/#', '-m', 'm']],
    ['bad filter', 'sub', ['-p', port(), '-t', 'x/#/y']],
    ['-c without -i', 'sub', ['-p', port(), '-t', 'x', '-c']],
    ['-R with --retained-only', 'sub', ['-p', port(), '-t', 'x', '-R', '--retained-only']],
    ['timeout', 'sub', ['-p', port(), '-t', 'quiet/x', '-W', '1']],
  ];
  const results = await Promise.all(cases.map(([, cmd, args]) => both(t, cmd, args)));
  for (const [k, { ours, theirs }] of results.entries()) {
    t.is(ours.code, theirs.code, `${cases[k][0]}: ${ours.stderr}`);
    t.is(ours.stderr.split('\n').length, 2, `one line for ${cases[k][0]}: ${ours.stderr}`);
  }
  t.is(results[0].ours.code, 5);
  t.is(results[1].ours.code, 0x87);
  t.is(results[10].ours.code, 27);
});

test('--capath trusts every certificate in a directory; unsupported -D properties and transports say why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-capath-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Read, not parsed here: TLS itself is the client's (tls.test.ts).
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  writeFileSync(join(dir, 'ca.pem'), pem);
  writeFileSync(join(dir, 'notes.txt'), 'not a certificate');
  const c = parsePubSub('sub', ['-t', 'x', '--capath', dir]);
  t.not(c, 'help');
  if (c === 'help') return;
  t.is(c.client.protocol, 'mqtts');
  t.is(c.client.port, 8883);
  t.deepEqual((c.client.ca as Buffer[]).map((b) => b.toString()), [pem]);
  t.throws(() => parsePubSub('sub', ['-t', 'x', '-V', '5', '-D', 'disconnect', 'reason-string', 'bye']), { message: /property 'reason-string' is not supported for 'disconnect' by xsmqtt/ });
  t.throws(() => parsePubSub('sub', ['-t', 'x', '-A', '127.0.0.1']), { message: /-A is not supported/ });
  t.throws(() => parsePubSub('pub', ['--topic=a', '--message=b', '--qos=4']), { message: /invalid QoS '4' for --qos/ });
  const eq = parsePubSub('pub', ['--topic=a/b', '--message=m=1', '--qos=2', '-x', '∞', '-V', 'mqttv5']);
  t.not(eq, 'help');
  if (eq === 'help') return;
  t.deepEqual([eq.topics, eq.message?.toString(), eq.qos, eq.client.sessionExpiryInterval], [['a/b'], 'm=1', 2, 0xffffffff]);
});

test('--version, --help and per-command help', async (t) => {
  const [version, help, pubHelp, none] = await Promise.all([
    runToEnd(t, 'node', [CLI, '--version']),
    runToEnd(t, 'node', [CLI, '--help']),
    runToEnd(t, 'node', [CLI, 'pub', '--help']),
    runToEnd(t, 'node', [CLI]),
  ]);
  t.regex(version.stdout, /^xsmqtt \d+\.\d+\.\d+\n$/);
  t.is(help.code, 0);
  for (const c of ['pub', 'sub', 'broker', 'sim']) t.regex(help.stdout, new RegExp(`^  ${c} +\\S`, 'm'));
  for (const f of ['--repeat-delay', '-M', '--will-topic', '-D, --property CMD ID VALUE']) t.true(pubHelp.stdout.includes(f), f);
  t.is(none.code, 2);
});
