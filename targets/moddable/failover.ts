// Failover on a device: the socket transport pointed, before each connection attempt, at the
// server the core's ServerList chose (a configured one, or a Server Reference's host and port).
import type { Transport, TransportEvents } from '../../src/core/driver/transport.js';
import type { Driver } from '../../src/core/driver/driver.js';
import { ServerList, referenceHostEnd, referenceHostStart, referencePort } from '../../src/core/driver/servers.js';
import type { SocketTransport } from './transport.js';

/** TLS options for a host (its name for SNI and checking), or null for plain TCP. */
export type HostOptions = ((host: string) => Record<string, unknown>) | null;

export class FailoverTransport implements Transport {
  socket: SocketTransport;
  list: ServerList;
  hosts: string[];
  ports: number[];
  private hostOptions: HostOptions;

  /* cold */
  constructor(socket: SocketTransport, hosts: string[], ports: number[], order: number, hostOptions: HostOptions) {
    this.socket = socket;
    this.hosts = hosts;
    this.ports = ports;
    this.list = new ServerList(hosts.length, order);
    this.hostOptions = hostOptions;
  }

  /** Lets the driver choose the server of each attempt. */
  /* cold */
  attach(driver: Driver): void {
    driver.servers = this.list;
  }

  /* cold */
  open(events: TransportEvents): void {
    const l = this.list;
    let host = this.hosts[l.index];
    let port = this.ports[l.index];
    if (l.referenceLength > 0) {
      // A rare event: the reference's host becomes a string here.
      const ref = l.reference;
      const len = l.referenceLength;
      host = '';
      const end = referenceHostEnd(ref, len);
      for (let i = referenceHostStart(ref, len); i < end; i++) host += String.fromCharCode(ref[i]);
      port = referencePort(ref, len, port);
    }
    const s = this.socket;
    if (s.address !== host && this.hostOptions !== null) s.extra = this.hostOptions(host);
    s.address = host;
    s.port = port;
    return s.open(events);
  }

  read(buf: Uint8Array, off: number, len: number): number {
    return this.socket.read(buf, off, len);
  }

  write(buf: Uint8Array, off: number, len: number): number {
    return this.socket.write(buf, off, len);
  }

  close(): void {
    return this.socket.close();
  }
}

/**
 * mc/config `servers`: `host:port` entries (an array, or a string of comma-separated ones); an
 * entry without a port takes `port`. Fills hosts and ports; false on an entry it cannot read.
 */
/* cold */
export function parseServers(entries: string[], port: number, hosts: string[], ports: number[]): boolean {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const colon = e.lastIndexOf(':');
    if (colon < 0) {
      hosts.push(e);
      ports.push(port);
      continue;
    }
    const p = Number(e.slice(colon + 1));
    if (colon === 0 || !(p > 0 && p < 65536 && Math.floor(p) === p)) return false;
    hosts.push(e.slice(0, colon));
    ports.push(p);
  }
  return hosts.length > 0;
}

