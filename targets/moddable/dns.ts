// A DNS resolver for A records over ECMA-419's embedded:io/socket/udp, with the interface of
// Moddable's `embedded:network/dns/resolver/udp` (new Resolver({servers, socket: {io: UDP}}),
// resolve({host, onResolved(host, address), onError(host)}), close()), plus a `port` option
// (default 53) so a test can run its server on an unprivileged port. Moddable's own resolver
// lives in the SDK's examples/io/udp/dns/, which the pinned SDK copy here does not carry; an app
// built against a full SDK may pass that one to the transport instead.
//
// Cold code: it runs once per connection attempt. A query goes to each server in turn, every
// `interval` ms, `tries` times per server; an answer without an A record, or an error code, ends
// the request with onError at once.
import Timer from 'timer';

/**
 * The part of ECMA-419's UDP socket (embedded:io/socket/udp) used here. The class comes from the
 * app (`socket: {io: UDP}`), as ECMA-419 network clients take it: this module imports no socket.
 */
export interface UdpSocket {
  write(buffer: Uint8Array, address: string, port: number): void;
  read(): ArrayBuffer & { address?: string; port?: number };
  close(): void;
}

export type UdpConstructor = new (options: { target: unknown; onReadable: (this: UdpSocket, packets: number) => void }) => UdpSocket;

/** What a request asks for, as ECMA-419's resolver takes it. */
export interface ResolveRequest {
  host: string;
  onResolved?: (this: unknown, host: string, address: string) => void;
  onError?: (this: unknown, host: string) => void;
}

export interface ResolverOptions {
  servers: readonly string[];
  /** The UDP socket class (embedded:io/socket/udp; Moddable's declarations of it lack close()). */
  socket: { io: unknown };
  /** The servers' port; default 53. */
  port?: number;
  /** ms between sends; default 1000. */
  interval?: number;
  /** Sends per server before giving up; default 3. */
  tries?: number;
}

const enum Dns {
  HeaderBytes = 12,
  TypeA = 1,
  ClassIn = 1,
  /** Flags of a query: recursion desired. */
  FlagsQuery = 0x0100,
}

interface Pending {
  host: string;
  id: number;
  /** Sends made so far. */
  sent: number;
  query: Uint8Array;
  onResolved: ((this: unknown, host: string, address: string) => void) | undefined;
  onError: ((this: unknown, host: string) => void) | undefined;
}

interface TargetedUdp {
  target: UdpResolver;
}

function onUdpReadable(this: UdpSocket, packets: number): void {
  (this as unknown as TargetedUdp).target.drain(this, packets);
}

/** The query packet for `host`, type A, class IN; null when the name is not a valid DNS name. */
/* cold */
export function encodeQuery(id: number, host: string): Uint8Array | null {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  let size = Dns.HeaderBytes + 1 + 4;
  for (let i = 0; i < labels.length; i++) {
    const n = labels[i].length;
    if (n === 0 || n > 63) return null;
    for (let j = 0; j < n; j++) if (labels[i].charCodeAt(j) > 0x7e || labels[i].charCodeAt(j) <= 0x20) return null;
    size += 1 + n;
  }
  if (size - Dns.HeaderBytes - 4 > 255) return null;
  const q = new Uint8Array(size);
  q[0] = id >> 8;
  q[1] = id & 0xff;
  q[2] = Dns.FlagsQuery >> 8;
  q[3] = Dns.FlagsQuery & 0xff;
  q[5] = 1; // QDCOUNT
  let at = Dns.HeaderBytes;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    q[at++] = label.length;
    for (let j = 0; j < label.length; j++) q[at++] = label.charCodeAt(j);
  }
  q[at++] = 0;
  q[at++] = 0;
  q[at++] = Dns.TypeA;
  q[at++] = 0;
  q[at++] = Dns.ClassIn;
  return q;
}

/** Offset just past the (possibly compressed) name at `at`, or -1 when it runs off the packet. */
function skipName(p: Uint8Array, at: number): number {
  while (at < p.length) {
    const n = p[at];
    if (n === 0) return at + 1;
    if ((n & 0xc0) === 0xc0) return at + 2 <= p.length ? at + 2 : -1;
    if ((n & 0xc0) !== 0) return -1;
    at += 1 + n;
  }
  return -1;
}

/**
 * The first A record's address in a response to query `id` ("a.b.c.d"), '' when the response says
 * the name has no address (an error code, or no A record), null when the packet is not a response
 * to that query.
 */
/* cold */
export function decodeAnswer(p: Uint8Array, id: number): string | null {
  if (p.length < Dns.HeaderBytes) return null;
  if (((p[0] << 8) | p[1]) !== id || (p[2] & 0x80) === 0) return null;
  if ((p[3] & 0x0f) !== 0) return '';
  const questions = (p[4] << 8) | p[5];
  const answers = (p[6] << 8) | p[7];
  let at = Dns.HeaderBytes;
  for (let i = 0; i < questions; i++) {
    at = skipName(p, at);
    if (at < 0 || at + 4 > p.length) return null;
    at += 4;
  }
  for (let i = 0; i < answers; i++) {
    at = skipName(p, at);
    if (at < 0 || at + 10 > p.length) return null;
    const type = (p[at] << 8) | p[at + 1];
    const klass = (p[at + 2] << 8) | p[at + 3];
    const length = (p[at + 8] << 8) | p[at + 9];
    at += 10;
    if (at + length > p.length) return null;
    if (type === Dns.TypeA && klass === Dns.ClassIn && length === 4) return p[at] + '.' + p[at + 1] + '.' + p[at + 2] + '.' + p[at + 3];
    at += length;
  }
  return '';
}

export class UdpResolver {
  private servers: readonly string[];
  private udpClass: UdpConstructor | null;
  private port: number;
  private interval: number;
  private tries: number;
  private socket: UdpSocket | null;
  private timer: Timer | null;
  private pending: Pending[];

  /* cold */
  constructor(options: ResolverOptions) {
    this.servers = options.servers.slice();
    this.udpClass = options.socket.io as UdpConstructor;
    this.port = options.port ?? 53;
    this.interval = options.interval ?? 1000;
    this.tries = options.tries ?? 3;
    this.socket = null;
    this.timer = null;
    this.pending = [];
  }

  /** Starts resolving request.host; throws when the request or the resolver cannot be used. */
  /* cold */
  resolve(request: ResolveRequest): void {
    if (this.udpClass === null) throw new Error('resolver closed');
    const host = String(request.host);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
      // An address needs no query (ECMA-419 clients such as Moddable's MQTT client resolve every host).
      const self = this;
      Timer.set(function (): void { if (request.onResolved !== undefined) request.onResolved.call(self, host, host); });
      return;
    }
    if (this.servers.length === 0) throw new Error('no DNS server');
    const id = (Math.random() * 65535) | 1;
    const query = encodeQuery(id, host);
    if (query === null) throw new Error('not a DNS name: ' + host);
    const p: Pending = { host, id, sent: 0, query, onResolved: request.onResolved, onError: request.onError };
    this.pending.push(p);
    if (this.socket === null) this.socket = new this.udpClass({ target: this, onReadable: onUdpReadable });
    if (this.timer === null) {
      const self = this;
      this.timer = Timer.repeat(function (): void { self.task(); }, this.interval);
    }
    this.send(p);
  }

  /* cold */
  close(): void {
    this.stop();
    this.pending.length = 0;
    this.udpClass = null;
  }

  /** Reads the packets waiting, while `socket` stays open (an answer may close it). */
  /* cold */
  drain(socket: UdpSocket, packets: number): void {
    for (let i = 0; i < packets && this.socket === socket; i++) this.received(socket.read());
  }

  /* cold */
  received(buffer: ArrayBuffer & { address?: string; port?: number }): void {
    if (buffer.port !== undefined && buffer.port !== this.port) return;
    if (buffer.address !== undefined && !this.servers.includes(buffer.address)) return;
    const bytes = new Uint8Array(buffer);
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      const address = decodeAnswer(bytes, p.id);
      if (address === null) continue;
      this.remove(p);
      if (address === '') {
        if (p.onError !== undefined) p.onError.call(this, p.host);
      } else if (p.onResolved !== undefined) p.onResolved.call(this, p.host, address);
      return;
    }
  }

  /* cold */
  private send(p: Pending): void {
    const socket = this.socket;
    if (socket === null) return;
    const server = this.servers[p.sent % this.servers.length];
    p.sent++;
    try {
      socket.write(p.query, server, this.port);
    } catch {
      // No route yet (the network is coming up): the next tick sends again.
    }
  }

  /* cold */
  private task(): void {
    const pending = this.pending;
    const most = this.tries * this.servers.length;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      if (p.sent < most) {
        this.send(p);
        continue;
      }
      this.remove(p);
      i--;
      if (p.onError !== undefined) p.onError.call(this, p.host);
    }
  }

  /* cold */
  private remove(p: Pending): void {
    const pending = this.pending;
    const i = pending.indexOf(p);
    if (i >= 0) pending.splice(i, 1);
    if (pending.length === 0) this.stop();
  }

  /* cold */
  private stop(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) socket.close();
    const timer = this.timer;
    this.timer = null;
    if (timer !== null) Timer.clear(timer);
  }
}

export default UdpResolver;
