// Where the client connects: the URL read (mqtt://user:pass@host:port, mqtts://, ws://, wss://)
// and the Node transport chosen for it, or one the caller supplies (a test's scripted peer).
import type { BaseTransport } from '../transports/base.js';
import { TcpTransport, TlsTransport } from '../transports/tcp.js';
import { WebSocketTransport } from '../transports/websocket.js';
import type { ClientOptions } from './options.js';

/** The transports the client drives (BaseTransport's Node transports, or a test's own). */
export type ClientTransport = BaseTransport;

export interface Endpoint {
  protocol: string;
  host: string;
  port: number;
  path: string;
  username?: string;
  password?: string;
}

const DEFAULT_PORTS: Record<string, number> = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
const PROTOCOL_ALIASES: Record<string, string> = { mqtt: 'mqtt', tcp: 'mqtt', mqtts: 'mqtts', tls: 'mqtts', ssl: 'mqtts', ws: 'ws', wss: 'wss' };

/** Parses mqtt://user:pass@host:port, mqtts://, ws://host:port/path, wss://. */
export function parseUrl(url: string): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL '${url}'`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  const protocol = PROTOCOL_ALIASES[scheme];
  if (protocol === undefined) throw new Error(`unsupported URL scheme '${scheme}' (mqtt, mqtts, ws, wss)`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    protocol,
    host: host === '' ? 'localhost' : host,
    port: u.port === '' ? DEFAULT_PORTS[protocol] : Number(u.port),
    path: u.pathname + u.search,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
  };
}

/** The options a URL gives, overridden by those given beside it. */
export function optionsFromUrl(url: string | ClientOptions, options: ClientOptions): ClientOptions {
  if (typeof url !== 'string') return { ...url, ...options };
  const e = parseUrl(url);
  const o: ClientOptions = { protocol: e.protocol, host: e.host, port: e.port, path: e.path, username: e.username, password: e.password };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  return o;
}

/** The transport the options ask for: theirs, or TCP, TLS or WebSocket. */
export function makeTransport(options: ClientOptions): BaseTransport {
  if (options.transport !== undefined) return options.transport;
  const protocol = PROTOCOL_ALIASES[options.protocol ?? 'mqtt'];
  if (protocol === undefined) throw new Error(`unsupported protocol '${options.protocol}'`);
  const host = options.host ?? options.hostname ?? 'localhost';
  const port = options.port ?? DEFAULT_PORTS[protocol];
  const tls = {
    ca: options.ca, cert: options.cert, key: options.key, passphrase: options.passphrase,
    rejectUnauthorized: options.rejectUnauthorized ?? true, servername: options.servername,
  };
  switch (protocol) {
    case 'mqtt': return new TcpTransport({ host, port });
    case 'mqtts': return new TlsTransport({ host, port, ...tls });
    default: {
      const path = options.path === undefined || options.path === '' || options.path === '/' ? '/mqtt' : options.path;
      const h = host.includes(':') ? `[${host}]` : host;
      return new WebSocketTransport({ url: `${protocol}://${h}:${port}${path.startsWith('/') ? path : '/' + path}`, ...tls, ws: options.wsOptions });
    }
  }
}
