// `xsmqtt pub` and `xsmqtt sub`: flag-compatible with mosquitto_pub / mosquitto_sub for the
// common flags. Messages one per line on stdout; errors one line on stderr, non-zero status.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { connectAsync, MqttClient, parseUrl, type Capacities, type ClientOptions, type MessageProperties, type PublishOptions, type QoS, type SubscribeOptions } from './client.js';

type Command = 'pub' | 'sub';

const COMMON_HELP = `
Connection:
  -h, --host HOST        broker host (default localhost)
  -p, --port PORT        broker port (default 1883, 8883 with TLS)
  -L, --url URL          mqtt(s)://[user[:password]@]host[:port]/topic (also ws://, wss://)
  -i, --id ID            client id (default xsmqtt-<random>)
  -u, --username USER    -P, --pw PASSWORD
  -k, --keepalive SECS   keep alive (default 60)
  -c, --disable-clean-session   keep the session (needs -i)
  -V, --protocol-version mqttv5|mqttv311|mqttv31|5|311|31 (default 311)
  -D, --property CMD ID VALUE   MQTT 5 property (CMD: connect, publish, subscribe, will)
  --will-topic T --will-payload P --will-qos Q --will-retain
  --cafile FILE --cert FILE --key FILE --insecure (do not verify the server certificate)
  -q, --qos 0|1|2        QoS of the message or subscription
  -d, --debug            print protocol steps on stderr
  --help                 this text`;

const HELP: Record<Command, string> = {
  pub: `usage: xsmqtt pub -t topic (-m message | -f file | -l | -s | -n) [options]
  -t, --topic TOPIC      topic to publish to
  -m, --message MSG      message payload
  -f, --file FILE        send the file's contents as the message
  -l, --stdin-line       send each line read from stdin as a message
  -s, --stdin-file       send all of stdin as one message
  -n, --null-message     send a zero-length message
  -r, --retain           retain the message` + COMMON_HELP,
  sub: `usage: xsmqtt sub -t filter [-t filter...] [options]
  -t, --topic FILTER     filter to subscribe to (repeatable)
  -C COUNT               exit after COUNT messages
  -W SECS                exit (status 27) after SECS seconds
  -v, --verbose          print "topic payload"
  -N                     no newline after each payload` + COMMON_HELP,
};

class UsageError extends Error {}

interface Parsed {
  options: ClientOptions & { capacities: Partial<Capacities> };
  topics: string[];
  qos: QoS;
  // pub
  message: Buffer | null;
  lines: boolean;
  retain: boolean;
  publishProps: MessageProperties;
  // sub
  count: number;
  timeout: number;
  verbose: boolean;
  noNewline: boolean;
  subscriptionId: number;
  help: boolean;
  debug: boolean;
}

function parseQos(v: string, what: string): QoS {
  if (v !== '0' && v !== '1' && v !== '2') throw new UsageError(`invalid ${what} '${v}' (0, 1 or 2)`);
  return Number(v) as QoS;
}

function parseInteger(v: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`invalid ${what} '${v}'`);
  return Number(v);
}

const VERSIONS: Record<string, 3 | 4 | 5> = { mqttv31: 3, '31': 3, mqttv311: 4, '311': 4, mqttv5: 5, '5': 5 };

/** Parses argv; throws UsageError with a one-line reason. */
export function parseArgs(command: Command, argv: string[]): Parsed {
  const p: Parsed = {
    options: { protocolVersion: 4, capacities: {} },
    topics: [], qos: 0, message: null, lines: false, retain: false, publishProps: {},
    count: 0, timeout: 0, verbose: false, noNewline: false, subscriptionId: 0, help: false, debug: false,
  };
  const o = p.options;
  let host: string | undefined;
  let port: number | undefined;
  let url: string | undefined;
  let cafile: string | undefined;
  let insecure = false;
  let payloadSources = 0;
  const will: { topic?: string; payload?: string; qos?: QoS; retain?: boolean; properties: Record<string, number | string> } = { properties: {} };
  const props: [string, string, string[]][] = [];
  let i = 0;
  const value = (flag: string): string => {
    if (i >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i++];
  };
  while (i < argv.length) {
    const a = argv[i++];
    switch (a) {
      case '--help': p.help = true; break;
      case '-h': case '--host': host = value(a); break;
      case '-p': case '--port': port = parseInteger(value(a), 'port', 1, 65535); break;
      case '-L': case '--url': url = value(a); break;
      case '-i': case '--id': o.clientId = value(a); break;
      case '-u': case '--username': o.username = value(a); break;
      case '-P': case '--pw': o.password = value(a); break;
      case '-k': case '--keepalive': o.keepalive = parseInteger(value(a), 'keepalive', 0, 65535); break;
      case '-c': case '--disable-clean-session': o.clean = false; break;
      case '-V': case '--protocol-version': {
        const v = value(a);
        const n = VERSIONS[v];
        if (n === undefined) throw new UsageError(`invalid protocol version '${v}' (mqttv5, mqttv311, mqttv31)`);
        o.protocolVersion = n;
        break;
      }
      case '-q': case '--qos': p.qos = parseQos(value(a), 'QoS'); break;
      case '-t': case '--topic': {
        const t = value(a);
        if (command === 'pub' && p.topics.length > 0) throw new UsageError('only one topic may be given to pub');
        p.topics.push(t);
        break;
      }
      case '-D': case '--property': {
        const cmd = value(a);
        const id = value(a);
        const vals = [value(a)];
        if (id === 'user-property') vals.push(value(a));
        props.push([cmd, id, vals]);
        break;
      }
      case '--will-topic': will.topic = value(a); break;
      case '--will-payload': will.payload = value(a); break;
      case '--will-qos': will.qos = parseQos(value(a), 'will QoS'); break;
      case '--will-retain': will.retain = true; break;
      case '--cafile': cafile = value(a); break;
      case '--cert': o.cert = readOption(value(a), a); break;
      case '--key': o.key = readOption(value(a), a); break;
      case '--insecure': insecure = true; break;
      case '-d': case '--debug': p.debug = true; break;
      case '--quiet': break;
      default:
        if (command === 'pub') {
          switch (a) {
            case '-m': case '--message': p.message = Buffer.from(value(a), 'utf8'); payloadSources++; continue;
            case '-f': case '--file': p.message = readOption(value(a), a); payloadSources++; continue;
            case '-l': case '--stdin-line': p.lines = true; payloadSources++; continue;
            case '-s': case '--stdin-file': p.message = readFileSync(0); payloadSources++; continue;
            case '-n': case '--null-message': p.message = Buffer.alloc(0); payloadSources++; continue;
            case '-r': case '--retain': p.retain = true; continue;
          }
        } else {
          switch (a) {
            case '-C': p.count = parseInteger(value(a), 'count', 1, 2 ** 31); continue;
            case '-W': p.timeout = parseInteger(value(a), 'timeout', 1, 2 ** 31); continue;
            case '-v': case '--verbose': p.verbose = true; continue;
            case '-N': p.noNewline = true; continue;
          }
        }
        throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (p.help) return p;
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
    else if (topic !== '' && p.topics.length === 0) p.topics.push(topic);
  } else {
    o.protocol = cafile !== undefined || o.cert !== undefined || insecure ? 'mqtts' : 'mqtt';
    o.host = host ?? 'localhost';
    o.port = port ?? (o.protocol === 'mqtts' ? 8883 : 1883);
  }
  if (cafile !== undefined) o.ca = readOption(cafile, '--cafile');
  if (insecure) o.rejectUnauthorized = false;
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together');
  if (o.clean === false && o.clientId === undefined) throw new UsageError('a client id (-i) is needed with -c');
  if (o.clientId === undefined) o.clientId = `xsmqtt-${randomBytes(6).toString('hex')}`;
  if (p.topics.length === 0) throw new UsageError(command === 'pub' ? 'a topic is needed (-t)' : 'at least one topic filter is needed (-t)');
  if (command === 'pub') {
    if (payloadSources === 0) throw new UsageError('a message is needed (-m, -f, -l, -s or -n)');
    if (payloadSources > 1) throw new UsageError('give only one of -m, -f, -l, -s, -n');
  }
  if (will.topic !== undefined) {
    o.will = { topic: will.topic, payload: will.payload ?? '', qos: will.qos ?? 0, retain: will.retain ?? false, properties: will.properties };
  } else if (will.payload !== undefined || will.qos !== undefined || will.retain !== undefined) {
    throw new UsageError('--will-payload, --will-qos and --will-retain need --will-topic');
  }
  if (props.length > 0 && o.protocolVersion !== 5) throw new UsageError('-D properties need MQTT 5 (-V mqttv5)');
  for (const [cmd, id, vals] of props) applyProperty(p, cmd, id, vals);
  return p;
}

function readOption(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${flag} file '${path}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function applyProperty(p: Parsed, cmd: string, id: string, vals: string[]): void {
  const o = p.options;
  const num = (max: number): number => parseInteger(vals[0], `${id} value`, 0, max);
  const bad = (): never => { throw new UsageError(`property '${id}' is not supported for '${cmd}'`); };
  switch (cmd) {
    case 'connect':
      switch (id) {
        case 'session-expiry-interval': o.sessionExpiryInterval = num(0xffffffff); return;
        case 'request-response-information': o.requestResponseInformation = num(1) === 1; return;
        case 'request-problem-information': o.requestProblemInformation = num(1) === 1; return;
        case 'receive-maximum': o.capacities.inboundQos2 = parseInteger(vals[0], 'receive-maximum', 1, 65535); return;
        case 'maximum-packet-size': o.maximumPacketSize = parseInteger(vals[0], 'maximum-packet-size', 16, 268435460); return;
        case 'topic-alias-maximum': o.capacities.topicAliasMaximum = num(65535); return;
        default: return bad();
      }
    case 'publish': {
      const m = p.publishProps;
      switch (id) {
        case 'payload-format-indicator': m.payloadFormatIndicator = num(1); return;
        case 'message-expiry-interval': m.messageExpiryInterval = num(0xffffffff); return;
        case 'content-type': m.contentType = vals[0]; return;
        case 'response-topic': m.responseTopic = vals[0]; return;
        case 'correlation-data': m.correlationData = Buffer.from(vals[0], 'utf8'); return;
        case 'user-property': {
          const u = m.userProperties ?? {};
          const had = u[vals[0]];
          u[vals[0]] = had === undefined ? vals[1] : Array.isArray(had) ? [...had, vals[1]] : [had, vals[1]];
          m.userProperties = u;
          return;
        }
        case 'topic-alias': num(65535); return; // the session assigns aliases itself
        default: return bad();
      }
    }
    case 'subscribe':
      if (id === 'subscription-identifier') {
        p.subscriptionId = parseInteger(vals[0], 'subscription-identifier', 1, 268435455);
        return;
      }
      return bad();
    case 'will': {
      const w = (o.will?.properties ?? {}) as Record<string, number | string>;
      switch (id) {
        case 'will-delay-interval': w.willDelayInterval = num(0xffffffff); break;
        case 'message-expiry-interval': w.messageExpiryInterval = num(0xffffffff); break;
        case 'payload-format-indicator': w.payloadFormatIndicator = num(1); break;
        case 'content-type': w.contentType = vals[0]; break;
        default: return bad();
      }
      if (o.will === undefined) throw new UsageError('will properties need --will-topic');
      o.will.properties = w;
      return;
    }
    default:
      throw new UsageError(`invalid property command '${cmd}' (connect, publish, subscribe, will)`);
  }
}

function fail(command: Command, message: string): number {
  process.stderr.write(`xsmqtt ${command}: ${message}\n`);
  return 1;
}

export async function main(command: Command, argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parseArgs(command, argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(command, `${err.message} (xsmqtt ${command} --help)`);
    throw err;
  }
  if (p.help) {
    process.stdout.write(HELP[command] + '\n');
    return 0;
  }
  let client: MqttClient;
  try {
    client = await connectAsync({ ...p.options, reconnectPeriod: command === 'sub' ? 1000 : 0 });
  } catch (err) {
    return fail(command, `connection failed: ${(err as Error).message}`);
  }
  if (p.debug) process.stderr.write(`Client ${p.options.clientId} received CONNACK (0)\n`);
  client.on('error', (err) => {
    if (command === 'sub') process.stderr.write(`xsmqtt sub: ${err.message}\n`);
  });
  return command === 'pub' ? publish(client, p) : subscribe(client, p);
}

async function publish(client: MqttClient, p: Parsed): Promise<number> {
  const topic = p.topics[0];
  const opts: PublishOptions = { qos: p.qos, retain: p.retain };
  if (Object.keys(p.publishProps).length > 0) opts.properties = p.publishProps;
  const sent: Promise<void>[] = [];
  let error: Error | null = null;
  const send = (payload: Buffer): void => {
    sent.push(client.publish(topic, payload, opts).catch((err: Error) => { error ??= err; }));
  };
  if (p.lines) {
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of rl) {
      if (error !== null) break;
      if (line !== '') send(Buffer.from(line, 'utf8'));
      // Keep the window within the client's queue.
      if (sent.length >= 256) await Promise.all(sent.splice(0));
    }
  } else {
    send(p.message ?? Buffer.alloc(0));
  }
  await Promise.all(sent);
  await client.end();
  if (error !== null) return fail('pub', (error as Error).message);
  return 0;
}

function subscribe(client: MqttClient, p: Parsed): Promise<number> {
  return new Promise<number>((resolve) => {
    let received = 0;
    let timer: NodeJS.Timeout | null = null;
    let done = false;
    const finish = (code: number, message?: string): void => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (message !== undefined) process.stderr.write(`xsmqtt sub: ${message}\n`);
      void client.end().then(() => resolve(code));
    };
    const onSignal = (): void => finish(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const nl = Buffer.from('\n');
    client.on('message', (topic, payload) => {
      if (done) return;
      const parts: Buffer[] = [];
      if (p.verbose) parts.push(Buffer.from(topic + ' ', 'utf8'));
      parts.push(payload);
      if (!p.noNewline) parts.push(nl);
      process.stdout.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      received++;
      if (p.count > 0 && received >= p.count) finish(0);
    });
    // As mosquitto_sub: the timeout runs from the connection, and ends with status 27.
    if (p.timeout > 0) timer = setTimeout(() => finish(27, 'timed out'), p.timeout * 1000);
    const so: SubscribeOptions = { qos: p.qos };
    if (p.subscriptionId > 0) so.subscriptionIdentifier = p.subscriptionId;
    client.subscribe(p.topics, so).then((granted) => {
      if (p.debug) process.stderr.write(`Client ${p.options.clientId} received SUBACK (${granted.map((g) => g.qos).join(', ')})\n`);
      if (granted.every((g) => g.qos >= 0x80)) finish(1, 'all subscription requests were denied');
    }, (err: Error) => finish(1, `subscribe failed: ${err.message}`));
  });
}
