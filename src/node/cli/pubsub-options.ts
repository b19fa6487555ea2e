// The options of `xsmqtt pub` and `xsmqtt sub`: mosquitto_pub's and mosquitto_sub's (2.0),
// declared once, and read into what the commands run with.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateTopicFilter, validateTopicName } from '../../core/topic/validate.js';
import { parseUrl, type Capacities, type ClientOptions, type MessageProperties, type QoS, type SubscribeOptions, type UnsubscribeOptions } from '../client.js';
import { formatHelp, parseOptions, section, UsageError } from './args.js';
import { applyProperty, extraPropertyValues } from './properties.js';

export type Command = 'pub' | 'sub';

export interface PubSubConfig {
  client: ClientOptions & { capacities: Partial<Capacities> };
  /** The client id as -d prints it ((null) when the server assigns one, as libmosquitto). */
  label: string;
  topics: string[];
  qos: QoS;
  debug: boolean;
  quiet: boolean;
  // pub
  message: Buffer | null;
  lines: boolean;
  retain: boolean;
  repeat: number;
  repeatDelayMs: number;
  publish: MessageProperties;
  // sub
  subscribe: SubscribeOptions;
  count: number;
  timeout: number;
  verbose: boolean;
  eol: boolean;
  format: string | null;
  pretty: boolean;
  noRetained: boolean;
  retainedOnly: boolean;
  removeRetained: boolean;
  exitAfterSubscribe: boolean;
  filterOut: string[];
  unsubscribe: string[];
  /** -D unsubscribe properties of -U's UNSUBSCRIBE. */
  unsubscribeOptions: UnsubscribeOptions;
  /** Share of messages printed, in hundredths of a percent (10000: all). */
  randomFilter: number;
}

const NO_CONFIG = 'xsmqtt has no such transport';
const NO_TLS_KNOB = 'the Node client takes no such TLS setting';

const CONNECTION = section('Connection and common', [
  { name: 'host', short: '-h', long: '--host', values: ['HOST'], help: 'broker host (default localhost)' },
  { name: 'port', short: '-p', long: '--port', values: ['PORT'], int: [1, 65535], what: 'port', help: 'broker port (default 1883, 8883 with TLS)' },
  { name: 'url', short: '-L', long: '--url', values: ['URL'], help: 'mqtt(s)://[user[:password]@]host[:port]/topic (also ws://, wss://)' },
  { name: 'id', short: '-i', long: '--id', values: ['ID'], help: 'client id (default: the server assigns one)' },
  { name: 'idPrefix', short: '-I', long: '--id-prefix', values: ['PREFIX'], help: 'client id: PREFIX followed by the process id' },
  { name: 'username', short: '-u', long: '--username', values: ['USER'], help: 'user name' },
  { name: 'password', short: '-P', long: '--pw', values: ['PASSWORD'], help: 'password' },
  { name: 'keepalive', short: '-k', long: '--keepalive', values: ['SECS'], int: [0, 65535], help: 'keep alive (default 60)' },
  { name: 'noClean', short: '-c', long: '--disable-clean-session', help: 'keep the session (needs -i); MQTT 5: it never expires unless -x' },
  { name: 'expiry', short: '-x', long: '--session-expiry-interval', values: ['SECS'], help: 'MQTT 5 session expiry: 0 to 4294967294, or -1, 4294967295, ∞ for none' },
  { name: 'version', short: '-V', long: '--protocol-version', values: ['VERSION'], choices: ['mqttv5', 'mqttv311', 'mqttv31', '5', '311', '31'], what: 'protocol version', help: 'mqttv5, mqttv311 or mqttv31 (default mqttv311)' },
  { name: 'property', short: '-D', long: '--property', values: ['CMD', 'ID', 'VALUE'], extra: extraPropertyValues,
    help: 'MQTT 5 property; CMD: connect, publish, subscribe, will, ...\n(user-property takes KEY VALUE)' },
  { name: 'willTopic', long: '--will-topic', values: ['TOPIC'], help: 'will topic' },
  { name: 'willPayload', long: '--will-payload', values: ['PAYLOAD'], help: 'will payload (default empty)' },
  { name: 'willQos', long: '--will-qos', values: ['QOS'], int: [0, 2], what: 'will QoS', help: 'will QoS' },
  { name: 'willRetain', long: '--will-retain', help: 'retain the will' },
  { name: 'cafile', long: '--cafile', values: ['FILE'], help: 'trusted CA certificates (turns TLS on)' },
  { name: 'capath', long: '--capath', values: ['DIR'], help: 'a directory of trusted CA certificates (turns TLS on)' },
  { name: 'cert', long: '--cert', values: ['FILE'], help: 'client certificate' },
  { name: 'key', long: '--key', values: ['FILE'], help: 'client private key' },
  { name: 'insecure', long: '--insecure', help: 'do not verify the server certificate' },
  { name: 'nodelay', long: '--nodelay', help: "disable Nagle's algorithm (always so)" },
  { name: 'bind', short: '-A', values: ['ADDRESS'], help: 'bind to this local address', unsupported: NO_CONFIG },
  { name: 'unix', long: '--unix', values: ['PATH'], help: 'connect over a unix socket', unsupported: NO_CONFIG },
  { name: 'proxy', long: '--proxy', values: ['URL'], help: 'SOCKS5 proxy', unsupported: NO_CONFIG },
  { name: 'psk', long: '--psk', values: ['KEY'], help: 'TLS-PSK key', unsupported: NO_TLS_KNOB },
  { name: 'pskIdentity', long: '--psk-identity', values: ['ID'], help: 'TLS-PSK identity', unsupported: NO_TLS_KNOB },
  { name: 'ciphers', long: '--ciphers', values: ['LIST'], help: 'TLS ciphers', unsupported: NO_TLS_KNOB },
  { name: 'tlsVersion', long: '--tls-version', values: ['VERSION'], help: 'TLS version', unsupported: NO_TLS_KNOB },
  { name: 'tlsAlpn', long: '--tls-alpn', values: ['PROTOCOL'], help: 'TLS ALPN protocol', unsupported: NO_TLS_KNOB },
  { name: 'tlsOsCerts', long: '--tls-use-os-certs', help: 'trust the OS certificates', unsupported: NO_TLS_KNOB },
  { name: 'qos', short: '-q', long: '--qos', values: ['QOS'], int: [0, 2], what: 'QoS', help: 'QoS of the messages or subscriptions (default 0)' },
  { name: 'debug', short: '-d', long: '--debug', help: 'print every packet sent and received' },
  { name: 'quiet', long: '--quiet', help: 'print no error messages' },
  { name: 'help', long: '--help', help: 'this text' },
]);

const PUB = section('Publishing', [
  { name: 'topic', short: '-t', long: '--topic', values: ['TOPIC'], help: 'topic to publish to' },
  { name: 'message', short: '-m', long: '--message', values: ['MESSAGE'], help: 'message payload' },
  { name: 'file', short: '-f', long: '--file', values: ['FILE'], help: "send the file's contents as the message" },
  { name: 'lines', short: '-l', long: '--stdin-line', help: 'send each line read from stdin as a message' },
  { name: 'stdin', short: '-s', long: '--stdin-file', help: 'send all of stdin as one message' },
  { name: 'null', short: '-n', long: '--null-message', help: 'send a zero-length message' },
  { name: 'retain', short: '-r', long: '--retain', help: 'retain the message' },
  { name: 'repeat', long: '--repeat', values: ['N'], int: [1, 2 ** 31 - 1], help: 'with -m, -f, -s or -n: publish N times' },
  { name: 'repeatDelay', long: '--repeat-delay', values: ['SECS'], help: 'seconds between repeats (fractions allowed; default 0)' },
  { name: 'maxInflight', short: '-M', values: ['N'], int: [1, 65535], help: 'QoS 1/2 messages awaiting acknowledgement at once' },
]);

const SUB = section('Subscribing', [
  { name: 'topic', short: '-t', long: '--topic', values: ['FILTER'], help: 'filter to subscribe to (repeatable)' },
  { name: 'filterOut', short: '-T', long: '--filter-out', values: ['FILTER'], help: 'do not print messages on topics matching FILTER (repeatable)' },
  { name: 'unsubscribe', short: '-U', long: '--unsubscribe', values: ['FILTER'], help: 'unsubscribe from FILTER (repeatable)' },
  { name: 'count', short: '-C', long: '--count', values: ['COUNT'], int: [1, 2 ** 31 - 1], help: 'exit after COUNT messages' },
  { name: 'timeout', short: '-W', long: '--timeout', values: ['SECS'], int: [1, 2 ** 31 - 1], help: 'exit (status 27) after SECS seconds' },
  { name: 'exitAfterSub', short: '-E', help: 'exit once the subscriptions are acknowledged' },
  { name: 'noRetained', short: '-R', help: 'do not print stale (retained) messages' },
  { name: 'retainedOnly', long: '--retained-only', help: 'print only retained messages; exit at the first other one' },
  { name: 'removeRetained', long: '--remove-retained', help: 'clear each retained message received (not those -T filters out)' },
  { name: 'rap', long: '--retain-as-published', help: 'MQTT 5: keep the retain flag of forwarded messages' },
  { name: 'verbose', short: '-v', long: '--verbose', help: 'print "topic payload"' },
  { name: 'noEol', short: '-N', help: 'no newline after each message' },
  { name: 'format', short: '-F', values: ['FORMAT'], help: 'output format: %t topic, %p payload, %q QoS, %r retain, %m mid, %l length,\n%x/%X hex, %j/%J JSON, %I %U time, %C %D %E %F %P %R %S %A MQTT 5\nproperties, @X strftime, \\n \\t \\0 ... (see man mosquitto_sub)' },
  { name: 'pretty', long: '--pretty', help: 'indented JSON with %j and %J' },
  { name: 'randomFilter', long: '--random-filter', values: ['PERCENT'], help: 'print only this share of the messages' },
]);

export const SPECS: Record<Command, ReturnType<typeof section>> = { pub: [...PUB, ...CONNECTION], sub: [...SUB, ...CONNECTION] };

const USAGE: Record<Command, string> = {
  pub: 'usage: xsmqtt pub {-t topic | -L URL} {-m message | -f file | -l | -s | -n} [options]',
  sub: 'usage: xsmqtt sub {-t filter [-t filter ...] | -L URL} [options]',
};

export function helpText(command: Command): string {
  return formatHelp(USAGE[command], SPECS[command]);
}

const VERSIONS: Record<string, 3 | 4 | 5> = { mqttv31: 3, '31': 3, mqttv311: 4, '311': 4, mqttv5: 5, '5': 5 };

function readOption(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${flag} file '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Every certificate file in a directory (hashed links and .pem/.crt files alike). */
function readCaPath(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new UsageError(`cannot read --capath directory '${dir}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const out: Buffer[] = [];
  for (const n of names.sort()) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      const b = readFileSync(p);
      if (b.includes('-----BEGIN CERTIFICATE-----')) out.push(b);
    } catch {
      // Unreadable entries are skipped, as OpenSSL does.
    }
  }
  if (out.length === 0) throw new UsageError(`no certificates in --capath directory '${dir}'`);
  return out;
}

function parseExpiry(v: string): number {
  if (v === '-1' || v === '∞') return 0xffffffff;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`invalid session expiry interval '${v}' (0 to 4294967295, -1 or ∞)`);
  return Number(v);
}

/** Returns 'help', or the configuration; throws UsageError with a one-line reason. */
export function parsePubSub(command: Command, argv: string[], stdin: () => Buffer = () => readFileSync(0)): PubSubConfig | 'help' {
  const a = parseOptions(SPECS[command], argv);
  if (a.has('help')) return 'help';
  const o: PubSubConfig['client'] = { protocolVersion: VERSIONS[a.value('version') ?? 'mqttv311'], capacities: {} };
  const c: PubSubConfig = {
    client: o, label: '(null)', topics: a.all('topic'), qos: (a.int('qos') ?? 0) as QoS, debug: a.has('debug'), quiet: a.has('quiet'),
    message: null, lines: a.has('lines'), retain: a.has('retain'), repeat: a.int('repeat') ?? 1, repeatDelayMs: 0, publish: {},
    subscribe: {}, count: a.int('count') ?? 0, timeout: a.int('timeout') ?? 0, verbose: a.has('verbose'), eol: !a.has('noEol'),
    format: a.value('format') ?? null, pretty: a.has('pretty'), noRetained: a.has('noRetained'), retainedOnly: a.has('retainedOnly'),
    removeRetained: a.has('removeRetained'), exitAfterSubscribe: a.has('exitAfterSub'), filterOut: a.all('filterOut'),
    unsubscribe: a.all('unsubscribe'), unsubscribeOptions: {}, randomFilter: 10000,
  };
  if (a.has('id')) o.clientId = a.value('id');
  else if (a.has('idPrefix')) o.clientId = `${a.value('idPrefix')}${process.pid}`;
  if (a.has('username')) o.username = a.value('username');
  if (a.has('password')) o.password = a.value('password');
  if (a.has('keepalive')) o.keepalive = a.int('keepalive');
  if (a.has('noClean')) o.clean = false;
  if (a.has('expiry')) o.sessionExpiryInterval = parseExpiry(a.value('expiry')!);
  else if (o.clean === false) o.sessionExpiryInterval = 0xffffffff;
  if (a.has('maxInflight')) o.capacities.inflight = a.int('maxInflight');
  if (a.has('repeatDelay')) {
    const d = a.value('repeatDelay')!;
    if (!/^\d+(\.\d+)?$/.test(d)) throw new UsageError(`invalid value '${d}' for --repeat-delay (seconds)`);
    c.repeatDelayMs = Math.round(Number(d) * 1000);
  }
  if (a.has('randomFilter')) {
    const r = a.value('randomFilter')!;
    if (!/^\d+(\.\d+)?$/.test(r) || Number(r) > 100) throw new UsageError(`invalid value '${r}' for --random-filter (0 to 100)`);
    c.randomFilter = Math.round(Number(r) * 100);
  }
  if (a.has('rap')) c.subscribe.rap = true;

  // Where to connect: -L gives it all; otherwise -h/-p and TLS when a CA or certificate is given.
  const tls = a.has('cafile') || a.has('capath') || a.has('cert') || a.has('insecure');
  const url = a.value('url');
  if (url !== undefined) {
    let e;
    try {
      e = parseUrl(url);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    o.protocol = e.protocol;
    o.host = e.host;
    o.port = e.port;
    if (e.username !== undefined) o.username = e.username;
    if (e.password !== undefined) o.password = e.password;
    const topic = decodeURIComponent(e.path.replace(/^\//, ''));
    if (e.protocol === 'ws' || e.protocol === 'wss') o.path = e.path;
    else if (topic !== '' && c.topics.length === 0) c.topics.push(topic);
  } else {
    o.protocol = tls ? 'mqtts' : 'mqtt';
    o.host = a.value('host') ?? 'localhost';
    o.port = a.int('port') ?? (tls ? 8883 : 1883);
  }
  const ca: Buffer[] = [];
  if (a.has('cafile')) ca.push(readOption(a.value('cafile')!, '--cafile'));
  if (a.has('capath')) ca.push(...readCaPath(a.value('capath')!));
  if (ca.length > 0) o.ca = ca;
  if (a.has('cert')) o.cert = readOption(a.value('cert')!, '--cert');
  if (a.has('key')) o.key = readOption(a.value('key')!, '--key');
  if (a.has('insecure')) o.rejectUnauthorized = false;
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together');

  if (o.clean === false && o.clientId === undefined) throw new UsageError('a client id (-i) is needed with -c');
  // MQTT 3.1 has no server-assigned ids (MQTT-3.1.3-6 came with 3.1.1).
  if (o.clientId === undefined && o.protocolVersion === 3) o.clientId = `xsmqtt-${process.pid}`;
  if (o.clientId !== undefined) c.label = o.clientId;

  if (command === 'pub') {
    if (c.topics.length === 0) throw new UsageError('a topic is needed (-t)');
    if (c.topics.length > 1) throw new UsageError('only one topic may be given to pub');
    const t = Buffer.from(c.topics[0], 'utf8');
    if (validateTopicName(t, 0, t.length) < 0 || t.length === 0) throw new UsageError(`invalid publish topic '${c.topics[0]}' (no + or #)`);
    const sources = ['message', 'file', 'lines', 'stdin', 'null'].filter((s) => a.has(s));
    if (sources.length === 0) throw new UsageError('a message is needed (-m, -f, -l, -s or -n)');
    if (sources.length > 1 || a.groups(sources[0]).length > 1) throw new UsageError('give only one of -m, -f, -l, -s, -n');
    if (a.has('message')) c.message = Buffer.from(a.value('message')!, 'utf8');
    else if (a.has('file')) c.message = readOption(a.value('file')!, '--file');
    else if (a.has('null')) c.message = Buffer.alloc(0);
    else if (a.has('stdin')) c.message = stdin();
  } else {
    if (c.topics.length === 0) throw new UsageError('at least one topic filter is needed (-t)');
    for (const f of [...c.topics, ...c.filterOut, ...c.unsubscribe]) {
      const b = Buffer.from(f, 'utf8');
      if (validateTopicFilter(b, 0, b.length) < 0) throw new UsageError(`invalid subscription topic '${f}' (are all + and # wildcards correct?)`);
    }
    if (c.noRetained && c.retainedOnly) throw new UsageError("combining '-R' and '--retained-only' makes no sense");
  }

  const willTopic = a.value('willTopic');
  if (willTopic !== undefined) {
    o.will = { topic: willTopic, payload: a.value('willPayload') ?? '', qos: (a.int('willQos') ?? 0) as QoS, retain: a.has('willRetain') };
  } else if (a.has('willPayload') || a.has('willQos') || a.has('willRetain')) {
    throw new UsageError('--will-payload, --will-qos and --will-retain need --will-topic');
  }
  const props = a.groups('property');
  if (props.length > 0 && o.protocolVersion !== 5) throw new UsageError('-D properties need MQTT 5 (-V mqttv5)');
  for (const [cmd, id, ...vals] of props) applyProperty({ client: o, publish: c.publish, subscribe: c.subscribe, unsubscribe: c.unsubscribeOptions }, cmd, id, vals);
  return c;
}
