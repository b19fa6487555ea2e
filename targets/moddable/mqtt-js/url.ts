// Where mqtt/js connects: the URL mqtt://[user[:password]@]host[:port] (or mqtts://, tcp://,
// ssl://), parsed here (protocol, host and port are all it needs, so Moddable's `url` module is
// not used), and the device's network configuration (device.network.mqtt / mqtts, which
// Moddable's config.js sets): the socket class, its extra options and the DNS resolver.
import type { DnsOptions, SocketConstructor } from '../transport.js';

export interface ParsedUrl {
  protocol: string;
  host: string;
  /** 0: the protocol's default. */
  port: number;
  username?: string;
  password?: string;
}

/** The broker's endpoint and how to reach it. */
export interface Endpoint {
  url: ParsedUrl;
  secure: boolean;
  port: number;
  socketClass: SocketConstructor | undefined;
  /** Options for the socket class besides io (a TLS socket's host among them); null: none. */
  extra: Record<string, unknown> | null;
  dns: DnsOptions | null;
}

interface NetworkConfig {
  socket?: { io?: SocketConstructor } & Record<string, unknown>;
  dns?: DnsOptions;
}

/* cold */
function networkConfig(name: string): NetworkConfig | null {
  const d = (globalThis as unknown as { device?: { network?: Record<string, NetworkConfig | undefined> } }).device;
  const c = d?.network?.[name];
  return c === undefined ? null : c;
}

/** The endpoint of a URL on this device; mqtts needs device.network.mqtts.socket.io (a TLS socket). */
/* cold */
export function endpointOf(href: string): Endpoint {
  const url = parseUrl(href);
  const secure = url.protocol === 'mqtts' || url.protocol === 'ssl';
  const net = networkConfig(secure ? 'mqtts' : 'mqtt');
  let socketClass: SocketConstructor | undefined = undefined;
  let extra: Record<string, unknown> | null = null;
  if (net !== null && net.socket !== undefined) {
    const keys = Object.keys(net.socket);
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === 'io') socketClass = net.socket.io;
      else {
        if (extra === null) extra = {};
        extra[keys[i]] = net.socket[keys[i]];
      }
    }
  }
  if (secure) {
    if (socketClass === undefined) throw new URIError('mqtts needs device.network.mqtts.socket.io (a TLS socket)');
    if (extra === null) extra = {};
    extra.host = url.host;
  }
  const port = url.port > 0 ? url.port : secure ? 8883 : 1883;
  return { url, secure, port, socketClass, extra, dns: net !== null && net.dns !== undefined ? net.dns : null };
}

/** mqtt://[user[:password]@]host[:port][/path]: protocol (without ':'), host, port (0: default), user name and password. */
/* cold */
export function parseUrl(href: string): ParsedUrl {
  const colon = href.indexOf('://');
  if (colon < 0) throw new URIError('no protocol in ' + href);
  const protocol = href.substring(0, colon).toLowerCase();
  if (protocol !== 'mqtt' && protocol !== 'mqtts' && protocol !== 'tcp' && protocol !== 'ssl') throw new URIError('only mqtt or mqtts');
  let rest = href.substring(colon + 3);
  const slash = rest.indexOf('/');
  if (slash >= 0) rest = rest.substring(0, slash);
  let username: string | undefined = undefined;
  let password: string | undefined = undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.substring(0, at);
    rest = rest.substring(at + 1);
    const c = auth.indexOf(':');
    username = decodeURIComponent(c < 0 ? auth : auth.substring(0, c));
    if (c >= 0) password = decodeURIComponent(auth.substring(c + 1));
  }
  let host = rest;
  let port = 0;
  const pc = rest.lastIndexOf(':');
  if (pc >= 0 && rest.indexOf(']') < pc) {
    host = rest.substring(0, pc);
    const digits = rest.substring(pc + 1);
    if (digits !== '') {
      port = Number(digits);
      if (!(port > 0 && port < 65536 && (port | 0) === port)) throw new URIError('bad port in ' + href);
    }
  }
  if (host.charCodeAt(0) === 0x5b) host = host.substring(1, host.length - 1);
  if (host === '') throw new URIError('no host in ' + href);
  const out: ParsedUrl = { protocol, host, port };
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  return out;
}
