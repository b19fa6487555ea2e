// `xsmqtt broker [options]` and `xsmqtt broker passwd FILE USER PASS`.
import { createWriteStream } from 'node:fs';
import { Acl, PasswordFile, addUser } from './auth.js';
import { Fault, parseFaultSpec } from './faults.js';
import { ListenOptions, startBroker } from './index.js';
import { parseSessionQuota, SessionQuota } from './limits.js';

const USAGE = `usage: xsmqtt broker [options]
       xsmqtt broker passwd FILE USER PASS     add or replace a user (scrypt hash)
  -p, --port N                 TCP port (default 1883; 0: any free port)
      --host ADDR              listen address (default 127.0.0.1)
      --tls-port N --cert F --key F [--cafile F] [--require-certificate]
      --ws-port N              MQTT over WebSocket (subprotocol mqtt)
      --store FILE             keep retained messages and persistent sessions in SQLite
  -v, --verbose                log connections and errors
      --trace                  one line per packet in and out
      --trace-file F           packets as JSON lines
      --password-file F        users (anonymous access is then off)
      --allow-anonymous        allow clients without a user name anyway
      --acl-file F             topic read/write rules
      --max-packet-size N      --max-connections N   --max-inflight N   --max-queued N
      --receive-maximum N      --topic-alias-maximum N  --connect-timeout MS
      --server-keep-alive S    --max-session-expiry S   --sys-interval S (0: off)
  limits against hostile clients (README.md, Limits):
      --max-connect-size N     bytes buffered before CONNECT (default 65536)
      --packet-timeout MS      a packet started this long ago must come at --min-byte-rate (default 30000)
      --min-byte-rate N        bytes a second (default 1024)
      --max-filters-per-packet N   filters in one SUBSCRIBE/UNSUBSCRIBE (default 10000)
      --max-user-properties N  user properties on one message (default 1024)
      --max-persistent-sessions N  sessions kept after disconnect, in total (default 100000)
      --session-quota PATTERN=N    persistent sessions for client ids matching PATTERN (repeatable)
      --max-connections-per-address N  connections from one address (default 0: no limit)
      --bench-client PATTERN   client ids allowed to publish to $bench/fault/... (default bench*)
      --bench-user USER        user names allowed to do so
      --fault SPEC             kind[:key=value,...], e.g. drop:packet=puback,client=dev-*,count=1
                               kinds: close drop delay duplicate refuse nopong throttle`;

class UsageError extends Error {}

const NUMERIC: Record<string, keyof ListenOptions> = {
  '--max-packet-size': 'maxPacketSize',
  '--max-connections': 'maxConnections',
  '--max-inflight': 'maxInflight',
  '--max-queued': 'maxQueued',
  '--receive-maximum': 'receiveMaximum',
  '--topic-alias-maximum': 'topicAliasMaximum',
  '--connect-timeout': 'connectTimeout',
  '--server-keep-alive': 'serverKeepAlive',
  '--max-session-expiry': 'maxSessionExpiry',
  '--sys-interval': 'sysInterval',
  '--max-connect-size': 'maxConnectSize',
  '--packet-timeout': 'packetTimeout',
  '--min-byte-rate': 'minByteRate',
  '--max-filters-per-packet': 'maxFiltersPerPacket',
  '--max-user-properties': 'maxUserProperties',
  '--max-persistent-sessions': 'maxPersistentSessions',
  '--max-connections-per-address': 'maxConnectionsPerAddress',
  '--tls-port': 'tlsPort',
  '--ws-port': 'wsPort',
};

export interface ParsedArgs {
  options: ListenOptions;
  verbose: boolean;
  trace: boolean;
  traceFile: string | null;
  passwordFile: string | null;
  aclFile: string | null;
  help: boolean;
}

/** Parses the flags; throws UsageError with a one-line message on a bad one. */
export function parseArgs(argv: string[]): ParsedArgs {
  const o: ListenOptions = {};
  const out: ParsedArgs = { options: o, verbose: false, trace: false, traceFile: null, passwordFile: null, aclFile: null, help: false };
  const faults: Fault[] = [];
  const benchClients: string[] = [];
  const benchUsers: string[] = [];
  const quotas: SessionQuota[] = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new UsageError(`${arg} needs a non-negative integer, got '${v}'`);
      return Number(v);
    };
    /** The value read by a parser whose errors are usage errors. */
    const parsed = <T>(parse: (spec: string) => T): T => {
      const v = value();
      try {
        return parse(v);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    };
    switch (arg) {
      case '-h': case '--help': out.help = true; break;
      case '-p': case '--port': {
        const p = int();
        if (p > 65535) throw new UsageError(`${arg}: ${p} is not a port`);
        o.port = p;
        break;
      }
      case '--host': o.host = value(); break;
      case '--store': o.storeFile = value(); break;
      case '-v': case '--verbose': out.verbose = true; break;
      case '--trace': out.trace = true; break;
      case '--trace-file': out.traceFile = value(); break;
      case '--password-file': out.passwordFile = value(); break;
      case '--acl-file': out.aclFile = value(); break;
      case '--allow-anonymous': o.allowAnonymous = true; break;
      case '--cert': o.cert = value(); break;
      case '--key': o.key = value(); break;
      case '--cafile': o.cafile = value(); break;
      case '--require-certificate': o.requireCertificate = true; break;
      case '--bench-client': benchClients.push(value()); break;
      case '--bench-user': benchUsers.push(value()); break;
      case '--session-quota': quotas.push(parsed(parseSessionQuota)); break;
      case '--fault': faults.push(parsed(parseFaultSpec)); break;
      default: {
        const key = NUMERIC[arg];
        if (!key) throw new UsageError(`unknown option '${argv[i]}'`);
        (o as Record<string, unknown>)[key] = int();
      }
    }
  }
  if (o.tlsPort !== undefined && (!o.cert || !o.key)) throw new UsageError('--tls-port needs --cert and --key');
  if (o.requireCertificate && !o.cafile) throw new UsageError('--require-certificate needs --cafile');
  if (faults.length > 0) o.faults = faults;
  if (benchClients.length > 0) o.benchClients = benchClients;
  if (benchUsers.length > 0) o.benchUsers = benchUsers;
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
    process.stdout.write(USAGE + '\n');
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
  if (args.verbose) o.onLog = (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
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
