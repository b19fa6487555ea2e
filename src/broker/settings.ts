// The broker's settings, declared once: each flag (SPECS) and what a set of them makes of
// ListenOptions. cli.ts reads them from argv, config.ts from a mosquitto-style file.
import { BridgeConfig, parseBridgeSpec } from './bridge-config.js';
import { Fault, parseFaultSpec } from './faults.js';
import type { ListenOptions } from './index.js';
import { parseSessionQuota, SessionQuota } from './limits.js';
import { ParsedArgs, UsageError, type OptionSpec } from '../node/cli/args.js';

const LISTEN = 'Listening';
const LIMITS = 'Limits against hostile clients (README.md, Limits)';
const TESTING = 'Benchmarks and fault injection';
const BRIDGES = 'Bridges (README.md, Bridges)';

const port = (name: string, short: string | undefined, long: string, help: string): OptionSpec =>
  ({ name, short, long, values: ['N'], int: [0, 65535], what: 'port', help, section: LISTEN });
const count = (name: string, long: string, help: string, section = LISTEN): OptionSpec =>
  ({ name, long, values: ['N'], int: [0, Number.MAX_SAFE_INTEGER], what: 'non-negative integer', help, section });

/** The broker's flags; a numeric one's name is the ListenOptions key it sets. */
export const SPECS: OptionSpec[] = [
  { name: 'help', short: '-h', long: '--help', help: 'this text' },
  { name: 'config', short: '-c', long: '--config', values: ['FILE'], help: 'settings from a mosquitto-style file (README.md, Configuration file);\nflags override the file\'s values wherever -c stands', section: LISTEN },
  port('port', '-p', '--port', 'TCP port (default 1883; 0: any free port)'),
  { name: 'host', long: '--host', values: ['ADDR'], help: 'listen address (default 127.0.0.1)', section: LISTEN },
  port('tlsPort', undefined, '--tls-port', 'TLS port (needs --cert and --key)'),
  { name: 'cert', long: '--cert', values: ['F'], help: 'server certificate (TLS)', section: LISTEN },
  { name: 'key', long: '--key', values: ['F'], help: 'server private key (TLS)', section: LISTEN },
  { name: 'cafile', long: '--cafile', values: ['F'], help: 'CA for client certificates (TLS)', section: LISTEN },
  { name: 'requireCertificate', long: '--require-certificate', help: 'TLS clients must present a certificate (needs --cafile)', section: LISTEN },
  port('wsPort', undefined, '--ws-port', 'MQTT over WebSocket (subprotocol mqtt)'),
  { ...port('consolePort', undefined, '--console', 'the bench console: a web page on this HTTP port, same address\n(0: any free port; README.md, Bench console)'), values: ['PORT'] },
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
  { name: 'bridge', long: '--bridge', values: ['NAME:K=V,...'], help: 'forward topics to and from another broker, in mosquitto\'s terms (repeatable), e.g.\nuplink:address=10.0.0.2:1883,topic=sensors/# out 1,topic=cmd/# in 2', section: BRIDGES },
  { name: 'benchClient', long: '--bench-client', values: ['PATTERN'], help: 'client ids allowed to publish to $bench/fault/... (default bench*)', section: TESTING },
  { name: 'benchUser', long: '--bench-user', values: ['USER'], help: 'user names allowed to do so', section: TESTING },
  { name: 'fault', long: '--fault', values: ['SPEC'], help: 'kind[:key=value,...], e.g. drop:packet=puback,client=dev-*,count=1\nkinds: close drop delay duplicate refuse nopong throttle', section: TESTING },
];

/** The flags that set a ListenOptions number of the same name. */
const NUMERIC: (keyof ListenOptions)[] = ['port', 'tlsPort', 'wsPort', 'consolePort', 'maxPacketSize', 'maxConnections', 'maxInflight', 'maxQueued',
  'receiveMaximum', 'topicAliasMaximum', 'connectTimeout', 'serverKeepAlive', 'maxKeepAlive', 'maxSessionExpiry', 'sysInterval', 'maxConnectSize',
  'packetTimeout', 'minByteRate', 'maxFiltersPerPacket', 'maxSubscriptionsPerClient', 'maxUserProperties', 'maxPersistentSessions', 'maxConnectionsPerAddress'];

/** A port setting a flag cannot give: a config file whose listeners are all TLS or WebSocket has no TCP one. */
export const NO_PORT = 'none';

/** The broker's ListenOptions and what the command does besides starting it. */
export interface BrokerSettings {
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
  if (n !== 0x80 && n !== 0x87) throw new Error(`0x80 or 0x87, not '${text}'`);
  return n;
}

/** Settings whose values a parser checks and makes; its errors name no flag. */
export const VALUE_PARSERS: Record<string, (text: string) => unknown> = {
  fault: parseFaultSpec, bridge: parseBridgeSpec, sessionQuota: parseSessionQuota, subscribeDeniedCode: parseDeniedCode,
};

/** Values of a VALUE_PARSERS setting, made; a bad one is a usage error naming the flag. */
function parsed<T>(name: string, values: string[]): T[] {
  return values.map((v) => {
    try {
      return VALUE_PARSERS[name](v) as T;
    } catch (e) {
      throw new UsageError(`${SPECS.find((o) => o.name === name)!.long}: ${(e as Error).message}`);
    }
  });
}

/** A flag given, unless a config file said `false` (flags carry no value). */
function on(a: ParsedArgs, name: string): boolean {
  return a.has(name) && a.value(name) !== 'false';
}

/** What the settings make: the options for startBroker and the command's own. */
export function settingsToOptions(a: ParsedArgs): BrokerSettings {
  const o: ListenOptions = {};
  const out: BrokerSettings = {
    options: o, verbose: on(a, 'verbose'), trace: on(a, 'trace'), traceFile: a.value('traceFile') ?? null,
    passwordFile: a.value('passwordFile') ?? null, aclFile: a.value('aclFile') ?? null, help: a.has('help'),
  };
  for (const key of NUMERIC) if (a.has(key)) (o as Record<string, unknown>)[key] = a.int(key);
  if (a.value('port') === NO_PORT) o.port = null;
  if (a.has('host')) o.host = a.value('host');
  if (a.has('store')) o.storeFile = a.value('store');
  if (a.has('allowAnonymous')) o.allowAnonymous = on(a, 'allowAnonymous');
  if (a.has('cert')) o.cert = a.value('cert');
  if (a.has('key')) o.key = a.value('key');
  if (a.has('cafile')) o.cafile = a.value('cafile');
  if (on(a, 'requireCertificate')) o.requireCertificate = true;
  if (a.has('subscribeDeniedCode')) o.subscribeDeniedCode = parsed<number>('subscribeDeniedCode', [a.value('subscribeDeniedCode')!])[0];
  const faults = parsed<Fault>('fault', a.all('fault'));
  const quotas = parsed<SessionQuota>('sessionQuota', a.all('sessionQuota'));
  const bridges = parsed<BridgeConfig>('bridge', a.all('bridge'));
  const names = new Set<string>();
  for (const b of bridges) {
    if (names.has(b.name)) throw new UsageError(`--bridge: two bridges named '${b.name}'`);
    names.add(b.name);
  }
  if (bridges.length > 0) o.bridges = bridges;
  if (o.tlsPort !== undefined && (!o.cert || !o.key)) throw new UsageError('--tls-port needs --cert and --key');
  if (o.requireCertificate && !o.cafile) throw new UsageError('--require-certificate needs --cafile');
  if (faults.length > 0) o.faults = faults;
  if (a.has('benchClient')) o.benchClients = a.all('benchClient');
  if (a.has('benchUser')) o.benchUsers = a.all('benchUser');
  if (quotas.length > 0) o.sessionQuotas = quotas;
  return out;
}
