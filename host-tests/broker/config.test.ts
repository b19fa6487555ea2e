// `xsmqtt broker -c FILE`: every key and the option it sets, the refusals with file:line, flags
// over the file, relative paths, and brokers started from a file.
import test, { ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Acl, addUser, PasswordFile, startBroker } from '../../src/broker/index.js';
import { ConfigError, KEYS, loadConfig, parseConfig } from '../../src/broker/config.js';
import { parseArgs } from '../../src/broker/cli.js';
import { PacketType as T, PropertyId as P } from '../../src/core/codec/constants.js';
import { freePort } from '../peers/proc.js';
import { CLI, RawClient, startCli } from './helpers.js';

const run = promisify(execFile);

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'xsmqtt-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeConfig(dir: string, text: string, name = 'broker.conf'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The options and the command's own settings a file gives, as `xsmqtt broker -c FILE` reads it. */
function settingsOf(file: string): Record<string, unknown> {
  const s = parseArgs(['-c', file]);
  return { ...s.options, verbose: s.verbose, trace: s.trace, traceFile: s.traceFile, passwordFile: s.passwordFile, aclFile: s.aclFile };
}

const MAX = Number.MAX_SAFE_INTEGER;

/** Each key's lines and what they set; `D` is the file's directory. */
const KEY_TABLE: [key: string, text: string, want: (d: string) => Record<string, unknown>][] = [
  ['listener', 'listener 1884', () => ({ port: 1884, host: '0.0.0.0', allowAnonymous: false })],
  ['listener', 'listener 1884 127.0.0.1', () => ({ port: 1884, host: '127.0.0.1' })],
  ['port', 'port 1885', () => ({ port: 1885, host: '0.0.0.0', allowAnonymous: false })],
  ['bind_address', 'bind_address 127.0.0.2', () => ({ port: 1883, host: '127.0.0.2' })],
  ['protocol', 'listener 9001\nprotocol websockets', () => ({ wsPort: 9001, port: null })],
  ['protocol', 'listener 1884\nprotocol mqtt', () => ({ port: 1884, wsPort: undefined })],
  ['certfile', 'listener 8883\ncertfile c.pem\nkeyfile k.pem', (d) => ({ tlsPort: 8883, port: null, cert: join(d, 'c.pem'), key: join(d, 'k.pem') })],
  ['keyfile', 'listener 1884\nlistener 8883\nkeyfile k.pem\ncertfile c.pem', (d) => ({ port: 1884, tlsPort: 8883, key: join(d, 'k.pem') })],
  ['cafile', 'listener 8883\ncertfile c.pem\nkeyfile k.pem\ncafile ca.pem', (d) => ({ cafile: join(d, 'ca.pem'), requireCertificate: undefined })],
  ['require_certificate', 'listener 8883\ncertfile c.pem\nkeyfile k.pem\ncafile ca.pem\nrequire_certificate true', () => ({ requireCertificate: true })],
  ['allow_anonymous', 'allow_anonymous true', () => ({ allowAnonymous: true })],
  ['allow_anonymous', 'allow_anonymous false', () => ({ allowAnonymous: false })],
  ['allow_anonymous', 'listener 1884\nallow_anonymous true', () => ({ allowAnonymous: true })],
  ['password_file', 'password_file pw', (d) => ({ passwordFile: join(d, 'pw') })],
  ['acl_file', 'acl_file acl', (d) => ({ aclFile: join(d, 'acl') })],
  ['max_packet_size', 'max_packet_size 1024', () => ({ maxPacketSize: 1024 })],
  ['max_packet_size', 'max_packet_size 0', () => ({ maxPacketSize: undefined })],
  ['max_connections', 'max_connections 10', () => ({ maxConnections: 10 })],
  ['max_connections', 'max_connections -1', () => ({ maxConnections: undefined })],
  ['max_inflight_messages', 'max_inflight_messages 5', () => ({ maxInflight: 5 })],
  ['max_inflight_messages', 'max_inflight_messages 0', () => ({ maxInflight: 65535 })],
  ['max_queued_messages', 'max_queued_messages 7', () => ({ maxQueued: 7 })],
  ['max_queued_messages', 'max_queued_messages 0', () => ({ maxQueued: MAX })],
  ['max_keepalive', 'max_keepalive 30', () => ({ maxKeepAlive: 30 })],
  ['max_topic_alias', 'max_topic_alias 8', () => ({ topicAliasMaximum: 8 })],
  ['sys_interval', 'sys_interval 0', () => ({ sysInterval: 0 })],
  ['persistence', 'persistence true', (d) => ({ storeFile: join(d, 'mosquitto.db') })],
  ['persistence', 'persistence false\npersistence_file x.db', () => ({ storeFile: undefined })],
  ['persistence_file', 'persistence true\npersistence_file x.db', (d) => ({ storeFile: join(d, 'x.db') })],
  ['persistence_location', 'persistence_location data/\npersistence true', (d) => ({ storeFile: join(d, 'data', 'mosquitto.db') })],
  ['log_type', 'log_type all', () => ({ verbose: true })],
  ['log_type', 'log_type none', () => ({ verbose: false })],
  ['per_listener_settings', 'per_listener_settings false\nlog_dest stderr\nlog_timestamp true\nmax_qos 2\nretain_available true', () => ({ port: undefined })],
  ['server_keep_alive', 'server_keep_alive 3', () => ({ serverKeepAlive: 3 })],
  ['subscribe_denied_code', 'subscribe_denied_code 0x80', () => ({ subscribeDeniedCode: 0x80 })],
  ['max_connect_size', 'max_connect_size 1000', () => ({ maxConnectSize: 1000 })],
  ['packet_timeout', 'packet_timeout 5000', () => ({ packetTimeout: 5000 })],
  ['min_byte_rate', 'min_byte_rate 10', () => ({ minByteRate: 10 })],
  ['max_filters_per_packet', 'max_filters_per_packet 4', () => ({ maxFiltersPerPacket: 4 })],
  ['max_subscriptions_per_client', 'max_subscriptions_per_client 6', () => ({ maxSubscriptionsPerClient: 6 })],
  ['max_user_properties', 'max_user_properties 2', () => ({ maxUserProperties: 2 })],
  ['max_persistent_sessions', 'max_persistent_sessions 9', () => ({ maxPersistentSessions: 9 })],
  ['session_quota', 'session_quota dev-*=5\nsession_quota x=1', () => ({ sessionQuotas: [{ pattern: 'dev-*', max: 5 }, { pattern: 'x', max: 1 }] })],
  ['max_connections_per_address', 'max_connections_per_address 4', () => ({ maxConnectionsPerAddress: 4 })],
  ['bench_client', 'bench_client ctl\nbench_client ops*', () => ({ benchClients: ['ctl', 'ops*'] })],
  ['bench_user', 'bench_user admin', () => ({ benchUsers: ['admin'] })],
  ['fault', 'fault nopong:client=dev-*', () => ({ faults: [{ kind: 'nopong', client: 'dev-*' }] })],
  ['trace', 'trace true', () => ({ trace: true })],
  ['trace', 'trace false', () => ({ trace: false })],
  ['trace_file', 'trace_file t.jsonl', (d) => ({ traceFile: join(d, 't.jsonl') })],
  ['store', 'store s.db', (d) => ({ storeFile: join(d, 's.db') })],
  ['connect_timeout', 'connect_timeout 2000', () => ({ connectTimeout: 2000 })],
  ['receive_maximum', 'receive_maximum 20', () => ({ receiveMaximum: 20 })],
  ['max_session_expiry', 'max_session_expiry 3600', () => ({ maxSessionExpiry: 3600 })],
  ['console', 'console 8081', () => ({ consolePort: 8081 })],
];

test('every key sets the option it names', (t) => {
  const dir = tempDir(t);
  for (const [key, text, want] of KEY_TABLE) {
    const got = settingsOf(writeConfig(dir, `# ${key}\n\n${text}\n`));
    for (const [name, value] of Object.entries(want(dir))) {
      if (name === 'faults') t.like((got.faults as Record<string, unknown>[])[0], (value as Record<string, unknown>[])[0], text);
      else t.deepEqual(got[name], value, `${text}: ${name}`);
    }
  }
});

test('the table covers every plain key the flags give', (t) => {
  const covered = new Set(KEY_TABLE.map(([key]) => key));
  for (const key of KEYS.keys()) t.true(covered.has(key), key);
});

test('parseConfig loads the password and ACL files for startBroker', (t) => {
  const dir = tempDir(t);
  addUser(join(dir, 'pw'), 'dev', 'secret');
  writeFileSync(join(dir, 'acl'), 'topic read open/#\n');
  const o = parseConfig('password_file pw\nacl_file acl\n', join(dir, 'broker.conf'));
  t.true(o.passwords instanceof PasswordFile && o.passwords.check('dev', 'secret'));
  t.true(o.acl instanceof Acl);
  const bad = t.throws(() => parseConfig('password_file missing\n', join(dir, 'broker.conf')), { instanceOf: ConfigError });
  t.regex(bad!.message, /broker\.conf: .*missing/);
});

/** Each refused text and the message after `FILE:LINE: `; the bad line is the last. */
const REFUSALS: [text: string, message: RegExp][] = [
  ['# comment\n\nbogus 1', /^unknown key 'bogus'$/],
  ['connection uplink', /^connection uplink has no address$/],
  ['bridge_cafile ca.pem', /^mosquitto's bridge_cafile cannot be used: not supported by xsmqtt's bridges$/],
  ['plugin /usr/lib/x.so', /^mosquitto's plugin cannot be used: plugins are not supported$/],
  ['auth_plugin /usr/lib/x.so', /plugins are not supported/],
  ['psk_hint hint', /TLS-PSK is not supported/],
  ['per_listener_settings true', /^per_listener_settings true is not supported: xsmqtt always has per_listener_settings false$/],
  ['message_size_limit 1000', /message_size_limit cannot be used: it limits the payload/],
  ['persistent_client_expiration 14d', /persistent_client_expiration cannot be used/],
  ['include_dir conf.d', /include_dir cannot be used: not supported/],
  ['max_connections 10x', /^max_connections: invalid non-negative integer '10x' \(a whole number from 0 to \d+\)$/],
  ['max_keepalive 70000', /^max_keepalive: invalid keep alive \(0-65535\) '70000'/],
  ['listener 70000', /^listener: invalid port '70000'/],
  ['listener 1883 127.0.0.1 x', /^listener takes PORT \[ADDRESS\]$/],
  ['subscribe_denied_code 0x99', /^subscribe_denied_code: 0x80 or 0x87, not '0x99'$/],
  ['allow_anonymous yes', /^allow_anonymous takes true or false, not 'yes'$/],
  ['fault explode', /^fault: unknown fault kind 'explode'/],
  ['session_quota dev-*', /^session_quota: PATTERN=N expected/],
  ['log_type loud', /^log_type takes one of/],
  ['listener 1884\nprotocol http', /^protocol takes mqtt or websockets/],
  ['max_packet_size 10', /below 20 bytes/],
  ['sys_interval', /^sys_interval needs a value$/],
  ['listener 1883\nlistener 1884', /^a second TCP listener/],
  ['listener 1883 127.0.0.1\nlistener 9001 ::1', /^listener on ::1 after one on 127\.0\.0\.1: xsmqtt's listeners share one address$/],
  ['listener 1883\nmax_connections 5\nlistener 9001\nprotocol websockets\nmax_connections 6', /^max_connections 6 after 5 at line 2: mosquitto sets it per listener/],
  ['store a.db\npersistence true', /^persistence and store both name the store/],
];

test('refusals: one line naming the file, the line and the key', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.conf');
  for (const [text, message] of REFUSALS) {
    const err = t.throws(() => parseConfig(text + '\n', file), { instanceOf: ConfigError }, text);
    const [, where, rest] = /^(.*?:\d+): (.*)$/s.exec(err?.message ?? '') ?? [];
    t.is(where, `${file}:${text.split('\n').length}`, text);
    t.regex(rest ?? '', message, text);
    t.false(err?.message.includes('\n'), text);
  }
  // The listener's own line, for what the listener lacks.
  for (const [text, message] of [
    ['listener 8883\ncertfile c.pem\n', /^a TLS listener needs certfile and keyfile$/],
    ['listener 8883\ncertfile c.pem\nkeyfile k.pem\nrequire_certificate true\n', /^require_certificate needs cafile$/],
    ['listener 8883\ncertfile c.pem\nkeyfile k.pem\nprotocol websockets\n', /^WebSocket over TLS is not supported$/],
  ] as const) {
    const err = t.throws(() => parseConfig(text, file), { instanceOf: ConfigError });
    t.is(err?.message.slice(0, file.length + 3), `${file}:1:`, text);
    t.regex(err?.message.slice(file.length + 4) ?? '', message, text);
  }
});

test('flags override the file wherever -c stands; a repeatable flag replaces the file\'s list', (t) => {
  const file = writeConfig(tempDir(t), 'listener 1884 127.0.0.1\nmax_queued_messages 7\nfault nopong\nbench_client ctl\nmax_keepalive 30\n');
  for (const argv of [['-p', '0', '--max-queued', '9', '-c', file], ['-c', file, '-p', '0', '--max-queued', '9']]) {
    const o = parseArgs(argv).options;
    t.is(o.port, 0);
    t.is(o.maxQueued, 9);
    t.is(o.host, '127.0.0.1', 'what no flag gives stays the file\'s');
    t.is(o.maxKeepAlive, 30);
    t.deepEqual(o.faults?.map((f) => f.kind), ['nopong']);
  }
  const o = parseArgs(['-c', file, '--fault', 'close', '--fault', 'duplicate', '--bench-client', 'ops']).options;
  t.deepEqual(o.faults?.map((f) => f.kind), ['close', 'duplicate']);
  t.deepEqual(o.benchClients, ['ops']);
  t.is(parseArgs(['-c', file, '--allow-anonymous']).options.allowAnonymous, true);
  t.is(parseArgs(['-c', file]).options.allowAnonymous, false);
  t.throws(() => parseArgs(['-c', file, '--config', file]), { message: /--config given twice/ });
});

test('relative paths in the file are relative to its directory, not the working directory', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'etc'));
  const file = writeConfig(join(dir, 'etc'), 'store ../data/s.db\ntrace_file t.jsonl\nlistener 8883\ncertfile certs/c.pem\nkeyfile /abs/k.pem\n');
  const s = parseArgs(['-c', relative(process.cwd(), file)]);
  t.is(s.options.storeFile, join(dir, 'data', 's.db'));
  t.is(s.traceFile, join(dir, 'etc', 't.jsonl'));
  t.is(s.options.cert, join(dir, 'etc', 'certs', 'c.pem'));
  t.is(s.options.key, '/abs/k.pem');
});

test('startBroker(loadConfig(FILE)): the file\'s listener and limits, anonymous clients refused unless allowed', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const conf = (extra: string): string => writeConfig(dir, `listener ${port} 127.0.0.1\nsys_interval 0\nmax_keepalive 10\n${extra}`);
  const closed = await startBroker(loadConfig(conf('')));
  try {
    const raw = await RawClient.open(t, port);
    t.is((await raw.connect('anon')).reasonCode, 0x87, 'mosquitto 2: a file with a listener and no allow_anonymous refuses them');
  } finally {
    await closed.close();
  }
  const b = await startBroker(loadConfig(conf('allow_anonymous true\n')));
  t.teardown(() => b.close());
  t.is(b.port, port);
  const raw = await RawClient.open(t, port);
  const ack = await raw.connect('from-file', (p) => { p.keepAlive = 60; });
  t.is(ack.reasonCode, 0);
  t.is(ack.props[P.ServerKeepAlive], 10);
  raw.send(T.Pingreq);
  await raw.expect(T.Pingresp);
});

test('xsmqtt broker -c FILE: listens where the file says and serves a client', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const file = writeConfig(dir, `listener ${port} 127.0.0.1\nallow_anonymous true\nsys_interval 0\n`);
  const cli = await startCli(t, ['-c', file]);
  t.is(cli.port, port);
  t.regex(cli.err(), new RegExp(`listening on mqtt://127\\.0\\.0\\.1:${port}\n`));
  const raw = await RawClient.open(t, port, 4);
  t.is((await raw.connect('cli-conf')).reasonCode, 0);
});

test('xsmqtt broker -c bad.conf: one line naming file and line, exit code 2', async (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, '# mosquitto-style\nlistener 1883\nbogus 1\n', 'bad.conf');
  for (const [args, want] of [
    [['-c', file], `xsmqtt broker: ${file}:3: unknown key 'bogus'\n`],
    [['--config', join(dir, 'none.conf')], `xsmqtt broker: cannot read ${join(dir, 'none.conf')}: ENOENT\n`],
  ] as const) {
    const err = await run(process.execPath, [CLI, 'broker', ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
    t.is(err?.code, 2, args.join(' '));
    t.is(err?.stderr, want);
  }
  const help = await run(process.execPath, [CLI, 'broker', '--help']);
  t.regex(help.stdout, /-c, --config FILE/);
});
