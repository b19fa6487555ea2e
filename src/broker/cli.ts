// `xsmqtt broker [options]` and `xsmqtt broker passwd FILE USER PASS`.
import { createWriteStream } from 'node:fs';
import { Acl, PasswordFile, addUser } from './auth.js';
import { Fault, parseFaultSpec } from './faults.js';
import { ListenOptions, startBroker } from './index.js';
import { parseSessionQuota, SessionQuota } from './limits.js';
import { formatHelp, parseOptions, UsageError, type OptionSpec } from '../node/cli/args.js';
import { clock } from './trace.js';

const USAGE = `usage: xsmqtt broker [options]
       xsmqtt broker passwd FILE USER PASS     add or replace a user (scrypt hash)`;

const LISTEN = 'Listening';
const LIMITS = 'Limits against hostile clients (README.md, Limits)';
const TESTING = 'Benchmarks and fault injection';

const port = (name: string, short: string | undefined, long: string, help: string): OptionSpec =>
  ({ name, short, long, values: ['N'], int: [0, 65535], what: 'port', help, section: LISTEN });
const count = (name: string, long: string, help: string, section = LISTEN): OptionSpec =>
  ({ name, long, values: ['N'], int: [0, Number.MAX_SAFE_INTEGER], what: 'non-negative integer', help, section });

/** The broker's flags; a numeric one's name is the ListenOptions key it sets. */
export const SPECS: OptionSpec[] = [
  { name: 'help', short: '-h', long: '--help', help: 'this text' },
  port('port', '-p', '--port', 'TCP port (default 1883; 0: any free port)'),
  { name: 'host', long: '--host', values: ['ADDR'], help: 'listen address (default 127.0.0.1)', section: LISTEN },
  port('tlsPort', undefined, '--tls-port', 'TLS port (needs --cert and --key)'),
  { name: 'cert', long: '--cert', values: ['F'], help: 'server certificate (TLS)', section: LISTEN },
  { name: 'key', long: '--key', values: ['F'], help: 'server private key (TLS)', section: LISTEN },
  { name: 'cafile', long: '--cafile', values: ['F'], help: 'CA for client certificates (TLS)', section: LISTEN },
  { name: 'requireCertificate', long: '--require-certificate', help: 'TLS clients must present a certificate (needs --cafile)', section: LISTEN },
  port('wsPort', undefined, '--ws-port', 'MQTT over WebSocket (subprotocol mqtt)'),
  { name: 'store', long: '--store', values: ['FILE'], help: 'keep retained messages and persistent sessions in SQLite', section: LISTEN },
  { name: 'verbose', short: '-v', long: '--verbose', help: 'log connections and errors', section: LISTEN },
  { name: 'trace', long: '--trace', help: 'one line per packet in and out', section: LISTEN },
  { name: 'traceFile', long: '--trace-file', values: ['F'], help: 'packets as JSON lines', section: LISTEN },
  { name: 'passwordFile', long: '--password-file', values: ['F'], help: 'users (anonymous access is then off)', section: LISTEN },
  { name: 'allowAnonymous', long: '--allow-anonymous', help: 'allow clients without a user name anyway', section: LISTEN },
  { name: 'aclFile', long: '--acl-file', values: ['F'], help: 'topic read/write rules', section: LISTEN },
  count('maxPacketSize', '--max-packet-size', 'largest packet accepted, bytes'),
  count('maxConnections', '--max-connections', 'connections at once'),
  count('maxInflight', '--max-inflight', 'QoS 1/2 messages in flight to each client'),
  count('maxQueued', '--max-queued', 'messages queued for each client'),
  count('receiveMaximum', '--receive-maximum', 'Receive Maximum advertised to MQTT 5 clients'),
  count('topicAliasMaximum', '--topic-alias-maximum', 'Topic Alias Maximum advertised to MQTT 5 clients'),
  { ...count('connectTimeout', '--connect-timeout', 'ms a connection may take to send CONNECT'), values: ['MS'] },
  { ...count('serverKeepAlive', '--server-keep-alive', 'keep alive told to every MQTT 5 client in CONNACK, whatever it asked, seconds\n(0: the client\'s own; 3.1.1 clients keep theirs)'), values: ['S'], int: [0, 65535], what: 'keep alive (0-65535)' },
  { ...count('maxKeepAlive', '--max-keep-alive', 'mosquitto\'s max_keepalive, seconds (default 0: no cap): an MQTT 5 client asking for\nmore, or for none, is told this one; a 3.1.1 client is refused (0x02)'), values: ['S'], int: [0, 65535], what: 'keep alive (0-65535)' },
  { name: 'subscribeDeniedCode', long: '--subscribe-denied-code', values: ['CODE'], help: 'MQTT 5 SUBACK code for a subscription the ACL denies: 0x87 (default) or 0x80', section: LISTEN },
  { ...count('maxSessionExpiry', '--max-session-expiry', 'longest session expiry granted, seconds'), values: ['S'] },
  { ...count('sysInterval', '--sys-interval', '$SYS statistics period, seconds (0: off)'), values: ['S'] },
  count('maxConnectSize', '--max-connect-size', 'bytes buffered before CONNECT (default 65536)', LIMITS),
  { ...count('packetTimeout', '--packet-timeout', 'a packet started this long ago must come at --min-byte-rate (default 30000)', LIMITS), values: ['MS'] },
  count('minByteRate', '--min-byte-rate', 'bytes a second (default 1024)', LIMITS),
  count('maxFiltersPerPacket', '--max-filters-per-packet', 'filters in one SUBSCRIBE/UNSUBSCRIBE (default 10000)', LIMITS),
  count('maxSubscriptionsPerClient', '--max-subscriptions-per-client', 'subscriptions one client may hold (default 1000)', LIMITS),
  count('maxUserProperties', '--max-user-properties', 'user properties on one message (default 1024)', LIMITS),
  count('maxPersistentSessions', '--max-persistent-sessions', 'sessions kept after disconnect, in total (default 100000)', LIMITS),
  { name: 'sessionQuota', long: '--session-quota', values: ['PATTERN=N'], help: 'persistent sessions for client ids matching PATTERN (repeatable)', section: LIMITS },
  count('maxConnectionsPerAddress', '--max-connections-per-address', 'connections from one address (default 0: no limit)', LIMITS),
  { name: 'benchClient', long: '--bench-client', values: ['PATTERN'], help: 'client ids allowed to publish to $bench/fault/... (default bench*)', section: TESTING },
  { name: 'benchUser', long: '--bench-user', values: ['USER'], help: 'user names allowed to do so', section: TESTING },
  { name: 'fault', long: '--fault', values: ['SPEC'], help: 'kind[:key=value,...], e.g. drop:packet=puback,client=dev-*,count=1\nkinds: close drop delay duplicate refuse nopong throttle', section: TESTING },
];

/** The flags that set a ListenOptions number of the same name. */
const NUMERIC: (keyof ListenOptions)[] = ['port', 'tlsPort', 'wsPort', 'maxPacketSize', 'maxConnections', 'maxInflight', 'maxQueued',
  'receiveMaximum', 'topicAliasMaximum', 'connectTimeout', 'serverKeepAlive', 'maxKeepAlive', 'maxSessionExpiry', 'sysInterval', 'maxConnectSize',
  'packetTimeout', 'minByteRate', 'maxFiltersPerPacket', 'maxSubscriptionsPerClient', 'maxUserProperties', 'maxPersistentSessions', 'maxConnectionsPerAddress'];

export interface ParsedArgs {
  options: ListenOptions;
  verbose: boolean;
  trace: boolean;
  traceFile: string | null;
  passwordFile: string | null;
  aclFile: string | null;
  help: boolean;
}

/** 0x80 or 0x87 (also 128, 135): the two codes brokers answer a denied subscription with. */
export function parseDeniedCode(text: string): number {
  const n = Number(text);
  if (n !== 0x80 && n !== 0x87) throw new UsageError(`--subscribe-denied-code takes 0x80 or 0x87, not '${text}'`);
  return n;
}

/** Each value read by a parser whose errors are usage errors. */
function parsedAll<T>(values: string[], parse: (spec: string) => T): T[] {
  return values.map((v) => {
    try {
      return parse(v);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  });
}

/** Parses the flags; throws UsageError with a one-line message on a bad one. */
export function parseArgs(argv: string[]): ParsedArgs {
  const a = parseOptions(SPECS, argv);
  const o: ListenOptions = {};
  const out: ParsedArgs = {
    options: o, verbose: a.has('verbose'), trace: a.has('trace'), traceFile: a.value('traceFile') ?? null,
    passwordFile: a.value('passwordFile') ?? null, aclFile: a.value('aclFile') ?? null, help: a.has('help'),
  };
  for (const key of NUMERIC) if (a.has(key)) (o as Record<string, unknown>)[key] = a.int(key);
  if (a.has('host')) o.host = a.value('host');
  if (a.has('store')) o.storeFile = a.value('store');
  if (a.has('allowAnonymous')) o.allowAnonymous = true;
  if (a.has('cert')) o.cert = a.value('cert');
  if (a.has('key')) o.key = a.value('key');
  if (a.has('cafile')) o.cafile = a.value('cafile');
  if (a.has('requireCertificate')) o.requireCertificate = true;
  if (a.has('subscribeDeniedCode')) o.subscribeDeniedCode = parseDeniedCode(a.value('subscribeDeniedCode')!);
  const faults = parsedAll<Fault>(a.all('fault'), parseFaultSpec);
  const quotas = parsedAll<SessionQuota>(a.all('sessionQuota'), parseSessionQuota);
  if (o.tlsPort !== undefined && (!o.cert || !o.key)) throw new UsageError('--tls-port needs --cert and --key');
  if (o.requireCertificate && !o.cafile) throw new UsageError('--require-certificate needs --cafile');
  if (faults.length > 0) o.faults = faults;
  if (a.has('benchClient')) o.benchClients = a.all('benchClient');
  if (a.has('benchUser')) o.benchUsers = a.all('benchUser');
  if (quotas.length > 0) o.sessionQuotas = quotas;
  return out;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'passwd') {
    if (argv.length !== 4) {
      process.stderr.write('usage: xsmqtt broker passwd FILE USER PASS\n');
      return 2;
    }
    addUser(argv[1], argv[2], argv[3]);
    process.stdout.write(`${argv[2]} added to ${argv[1]}\n`);
    return 0;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`xsmqtt broker: ${e.message} (see --help)\n`);
      return 2;
    }
    throw e;
  }
  if (args.help) {
    process.stdout.write(formatHelp(USAGE, SPECS) + '\n');
    return 0;
  }
  const o = args.options;
  try {
    if (args.passwordFile) o.passwords = PasswordFile.load(args.passwordFile);
    if (args.aclFile) o.acl = Acl.load(args.aclFile);
  } catch (e) {
    process.stderr.write(`xsmqtt broker: ${(e as Error).message}\n`);
    return 2;
  }
  const file = args.traceFile ? createWriteStream(args.traceFile, { flags: 'a' }) : null;
  if (args.trace || file) {
    o.onTrace = (line, rec) => {
      if (args.trace) process.stdout.write(line + '\n');
      if (file) file.write(JSON.stringify(rec ?? { t: new Date().toISOString(), fault: line }) + '\n');
    };
  }
  // The same timestamp as the trace's lines: the two streams are read together.
  if (args.verbose) o.onLog = (line) => process.stderr.write(`${clock()} ${line}\n`);
  const running = await startBroker(o);
  const where = [`mqtt://${running.host}:${running.port}`];
  if (running.tlsPort >= 0) where.push(`mqtts://${running.host}:${running.tlsPort}`);
  if (running.wsPort >= 0) where.push(`ws://${running.host}:${running.wsPort}`);
  process.stderr.write(`xsmqtt broker listening on ${where.join(' ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  file?.end();
  return 0;
}
