// Bridge settings: `connection` sections of a config file and `--bridge` flags read into the
// same BridgeConfig, mosquitto's defaults, and the refusals (one line, FILE:LINE, exit 2).
import test, { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseBridgeSpec, parseBridgeTopic, type BridgeConfig } from '../../src/broker/bridge-config.js';
import { mapTopic } from '../../src/broker/bridge.js';
import { parseArgs } from '../../src/broker/cli.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/broker/config.js';
import { UsageError } from '../../src/node/cli/args.js';
import { CLI, startCli } from '../broker/helpers.js';
import { Companion, Peer } from './peers.js';

const run = promisify(execFile);

function confFile(t: ExecutionContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-bridge-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'broker.conf');
  writeFileSync(file, text);
  return file;
}

const DEFAULTS: Omit<BridgeConfig, 'name' | 'addresses' | 'topics' | 'remoteClientId' | 'localClientId' | 'notificationTopic'> = {
  cleanSession: false, localCleanSession: false, protocolVersion: 4, tryPrivate: true, restartBase: 5, restartCap: 30, restartJitter: true,
  keepAlive: 60, notifications: true, remoteUsername: undefined, remotePassword: undefined, localUsername: undefined, localPassword: undefined,
};

test('a connection section: mosquitto\'s defaults (cleansession false, 3.1.1, try_private, back-off 5 to 30 s)', (t) => {
  const file = confFile(t, 'connection uplink\naddress 10.0.0.2\ntopic sensors/#\n');
  const remoteClientId = `${hostname()}.uplink`;
  t.deepEqual(loadConfig(file).bridges, [{
    ...DEFAULTS, name: 'uplink', addresses: [{ host: '10.0.0.2', port: 1883 }],
    topics: [{ pattern: 'sensors/#', direction: 'out', qos: 0, localPrefix: '', remotePrefix: '' }],
    remoteClientId, localClientId: `local.${remoteClientId}`, notificationTopic: `$SYS/broker/connection/${remoteClientId}/state`,
  }]);
});

test('two sections, every key, and the flag form of the same bridge', (t) => {
  const text = [
    'listener 1884 127.0.0.1', 'allow_anonymous true',
    'connection a', 'address 10.0.0.2:1885 [::1]:1886', 'addresses h3', 'topic x/# both 2 l/ r/', 'topic "" in 1 local/one remote/one',
    'cleansession true', 'local_cleansession false', 'remote_clientid ra', 'local_clientid la', 'bridge_protocol_version mqttv50',
    'try_private false', 'restart_timeout 10 60', 'keepalive_interval 20', 'remote_username u', 'remote_password p, with comma',
    'local_username lu', 'local_password lp', 'notifications false', 'notification_topic n/a', 'notifications_local_only true',
    'round_robin true', 'start_type automatic',
    'connection b', 'address h4', 'topic y/+ out 1', 'restart_timeout 3', 'max_queued_messages 7',
  ].join('\n');
  const file = confFile(t, text);
  const o = parseArgs(['-c', file]).options;
  const a: BridgeConfig = {
    name: 'a', addresses: [{ host: '10.0.0.2', port: 1885 }, { host: '::1', port: 1886 }, { host: 'h3', port: 1883 }],
    topics: [{ pattern: 'x/#', direction: 'both', qos: 2, localPrefix: 'l/', remotePrefix: 'r/' }, { pattern: '', direction: 'in', qos: 1, localPrefix: 'local/one', remotePrefix: 'remote/one' }],
    cleanSession: true, localCleanSession: false, remoteClientId: 'ra', localClientId: 'la', protocolVersion: 5, tryPrivate: false,
    restartBase: 10, restartCap: 60, restartJitter: true, keepAlive: 20, remoteUsername: 'u', remotePassword: 'p, with comma',
    localUsername: 'lu', localPassword: 'lp', notifications: false, notificationTopic: 'n/a',
  };
  t.deepEqual(o.bridges![0], a);
  t.like(o.bridges![1], { name: 'b', restartBase: 3, restartCap: 3, restartJitter: false, topics: [{ pattern: 'y/+', direction: 'out', qos: 1, localPrefix: '', remotePrefix: '' }] });
  t.is(o.maxQueued, 7, 'a general key after a section is still the broker\'s');
  t.is(o.port, 1884);
  // The flag says the same in one line; a flag replaces the file's bridges.
  const flag = 'b:address=h4,topic=y/+ out 1,restart_timeout=3';
  t.deepEqual(parseArgs(['-c', file, '--bridge', flag]).options.bridges, [parseBridgeSpec(flag)]);
  t.deepEqual(parseBridgeSpec('a:address=10.0.0.2:1885 [::1]:1886,addresses=h3,topic=x/# both 2 l/ r/,topic="" in 1 local/one remote/one,cleansession=true,local_cleansession=false,remote_clientid=ra,local_clientid=la,bridge_protocol_version=mqttv50,try_private=false,restart_timeout=10 60,keepalive_interval=20,remote_username=u,remote_password=p\\, with comma,local_username=lu,local_password=lp,notifications=false,notification_topic=n/a'), a);
});

test('topic lines: direction, QoS, prefixes and the topic each side sees', (t) => {
  const topics = ['sensors/# out 1 local/ remote/', 'cmd/# in 2 dev/ site/', 'chat/# both', '"" in 0 here/x there/y'].map(parseBridgeTopic);
  t.is(mapTopic(topics, 'local/sensors/a', false), topics[0]);
  t.is(mapTopic(topics, 'sensors/a', false), null, 'the local prefix is part of the local topic');
  t.is(mapTopic(topics, 'site/cmd/b', true), topics[1]);
  t.is(mapTopic(topics, 'dev/cmd/b', false), null, 'an in topic is not forwarded out');
  t.is(mapTopic(topics, 'chat/x', false), topics[2]);
  t.is(mapTopic(topics, 'chat/x', true), topics[2]);
  t.is(mapTopic(topics, 'there/y', true), topics[3]);
});

/** Each refused section and the message after `FILE:LINE: `, with the line it names. */
const REFUSALS: [text: string, line: number, message: RegExp][] = [
  ['connection a\naddress h\ntopic x/# sideways', 3, /^topic: direction in, out or both, not 'sideways'$/],
  ['connection a\naddress h\ntopic x/# in 3', 3, /^topic: QoS 0, 1 or 2, not '3'$/],
  ['connection a\naddress h\ntopic x/# in 1 onlyone', 3, /^topic takes PATTERN \[in\|out\|both\] \[QOS\] \[LOCAL-PREFIX REMOTE-PREFIX\]/],
  ['connection a\naddress h\ntopic "" in 1 "" ""', 3, /^topic: an empty pattern needs a prefix$/],
  ['connection a\naddress h\ntopic x in 1 a/+ b/', 3, /^topic: a prefix holds no wildcard/],
  ['connection a\ntopic x/# out\nconnection b\naddress h\ntopic y', 1, /^connection a has no address$/],
  ['connection a\naddress h', 1, /^connection a has no topic$/],
  ['address h', 1, /^address outside a connection section$/],
  ['topic x/#', 1, /^topic outside a connection section$/],
  ['connection a\naddress h:99999', 2, /^address: invalid port/],
  ['connection a\nbridge_protocol_version mqttv6', 2, /^bridge_protocol_version takes mqttv31, mqttv311 or mqttv50/],
  ['connection a\ncleansession maybe', 2, /^cleansession takes true or false/],
  ['connection a\nrestart_timeout 0', 2, /^restart_timeout: invalid number of seconds '0'/],
  ['connection a\nrestart_timeout 10 5', 2, /^restart_timeout: invalid number of seconds '5' \(10 to 65535\)/],
  ['connection a\nstart_type lazy', 2, /^start_type lazy is not supported/],
  ['connection a\nnotifications_local_only false', 2, /notifications are local only/],
  ['connection a\nbridge_cafile ca.pem', 2, /^mosquitto's bridge_cafile cannot be used: not supported by xsmqtt's bridges$/],
  ['connection a b', 1, /^connection: invalid bridge name 'a b'$/],
];

test('refusals: bad direction, bad QoS, no address, keys outside a section; one line naming the file and line', (t) => {
  const file = confFile(t, '');
  for (const [text, line, message] of REFUSALS) {
    const err = t.throws(() => parseConfig(text + '\n', file), { instanceOf: ConfigError }, text);
    const [, where, rest] = /^(.*?:\d+): (.*)$/s.exec(err?.message ?? '') ?? [];
    t.is(where, `${file}:${line}`, text);
    t.regex(rest ?? '', message, text);
  }
});

test('--bridge: bad values are usage errors naming the flag; two bridges of one name are refused', (t) => {
  const cases: [string[], RegExp][] = [
    [['--bridge', 'nocolon'], /^--bridge: bridge 'nocolon': expected NAME:key=value/],
    [['--bridge', 'a:address=h,topic=x/# in 9'], /^--bridge: topic: QoS 0, 1 or 2, not '9'$/],
    [['--bridge', 'a:topic=x/#'], /^--bridge: connection a has no address$/],
    [['--bridge', 'a:address=h,topic=x,bogus=1'], /^--bridge: unknown bridge key 'bogus'$/],
    [['--bridge', 'a:address=h,topic=x', '--bridge', 'a:address=g,topic=y'], /^--bridge: two bridges named 'a'$/],
  ];
  for (const [argv, message] of cases) {
    const err = t.throws(() => parseArgs(argv), { instanceOf: UsageError }, argv.join(' '));
    t.regex(err?.message ?? '', message, argv.join(' '));
  }
});

test('xsmqtt broker --bridge with a bad value: one line on stderr, exit 2', async (t) => {
  const err = await run(process.execPath, [CLI, 'broker', '--bridge', 'a:address=h,topic=x/# sideways'], { timeout: 10000 }).catch((e: { code: number; stderr: string }) => e);
  t.is((err as { code: number }).code, 2);
  t.is((err as { stderr: string }).stderr, "xsmqtt broker: --bridge: topic: direction in, out or both, not 'sideways' (see --help)\n");
});

test('xsmqtt broker --bridge: the command starts the bridge and forwards', async (t) => {
  const remote = await Companion.start(t);
  const cli = await startCli(t, ['-p', '0', '--sys-interval', '0', '--bridge', `up:address=127.0.0.1:${remote.port},topic=a/# out 1,restart_timeout=1`]);
  const there = await Peer.connect(t, remote.port, { clientId: 'r' });
  await there.c.subscribeAsync('a/#', { qos: 1 });
  const here = await Peer.connect(t, cli.port, { clientId: 'p' });
  // Until the bridge is up, messages wait in its session here; each one goes once it is.
  await here.c.publishAsync('a/1', 'm1', { qos: 1 });
  t.deepEqual((await there.until((g) => g.length >= 1, 10000, 'a message across'))[0], { topic: 'a/1', payload: 'm1', qos: 1, retain: false });
});
