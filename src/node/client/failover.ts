// Failover on Node: one transport per server of `servers` (and one made for a Server Reference),
// the core's ServerList choosing which the next connection attempt opens.
import { ReasonCode } from '../../core/codec/constants.js';
import type { Transport, TransportEvents } from '../../core/driver/transport.js';
import { MAX_HOPS, ServerList, ServerOrder, referenceHostEnd, referenceHostStart, referencePort } from '../../core/driver/servers.js';
import type { BaseTransport, TransportHooks } from '../transports/base.js';
import { makeTransport } from './endpoint.js';
import type { ClientOptions, ServerAddress } from './options.js';

/** The server list from the options: `servers`, else the one host and port. */
export function serverAddresses(options: ClientOptions): ServerAddress[] {
  if (options.servers !== undefined && options.servers.length > 0) return options.servers;
  return [{ host: options.host ?? options.hostname ?? 'localhost', port: options.port, protocol: options.protocol }];
}

/** The driver's transport: the chosen server's. */
export class FailoverTransport implements Transport {
  readonly list: ServerList;
  readonly addresses: ServerAddress[];
  /** The transport of the current (or last) attempt. */
  current: BaseTransport;
  /** Where the current attempt goes. */
  address: ServerAddress;
  private readonly options: ClientOptions;
  private readonly transports: BaseTransport[];
  private referenced: { key: string; transport: BaseTransport } | null = null;
  private hooks: TransportHooks = {};
  private openTimeout = 30000;

  constructor(options: ClientOptions) {
    this.options = options;
    this.addresses = serverAddresses(options);
    if (this.addresses.length > 255) throw new Error('servers: at most 255');
    const order = options.serversOrder ?? 'ordered';
    if (order !== 'ordered' && order !== 'random') throw new Error(`serversOrder: 'ordered' or 'random', not '${String(order)}'`);
    this.list = new ServerList(this.addresses.length, order === 'random' ? ServerOrder.Random : ServerOrder.InOrder);
    this.list.followReferences = options.followServerReference === true;
    this.transports = this.addresses.map((a) => makeTransport({ ...options, servers: undefined, host: a.host, port: a.port, protocol: a.protocol ?? options.protocol }));
    this.current = this.transports[0];
    this.address = this.addresses[0];
  }

  /** Sets the hooks and handshake limit of every transport, present and future. */
  configure(hooks: TransportHooks, openTimeout: number): void {
    this.hooks = hooks;
    this.openTimeout = openTimeout;
    for (const t of this.transports) {
      t.hooks = hooks;
      t.openTimeout = openTimeout;
    }
  }

  /**
   * Called as a connection closes (before the list moves on): whether another attempt follows at
   * once, a server of this round not tried yet or a Server Reference (0x9C, 0x9D) to follow.
   */
  triesLeft(closeCode: number): boolean {
    const l = this.list;
    if (l.followReferences && l.hops < MAX_HOPS && (closeCode === ReasonCode.UseAnotherServer || closeCode === ReasonCode.ServerMoved)) return true;
    return l.tried < l.count;
  }

  open(events: TransportEvents): void {
    this.choose();
    this.current.open(events);
  }

  read(buf: Uint8Array, off: number, len: number): number {
    return this.current.read(buf, off, len);
  }

  write(buf: Uint8Array, off: number, len: number): number {
    return this.current.write(buf, off, len);
  }

  close(): void {
    this.current.close();
  }

  private choose(): void {
    const l = this.list;
    const base = this.addresses[l.index];
    if (l.referenceLength === 0) {
      this.current = this.transports[l.index];
      this.address = base;
      return;
    }
    const ref = l.reference;
    const len = l.referenceLength;
    const host = Buffer.from(ref.subarray(referenceHostStart(ref, len), referenceHostEnd(ref, len))).toString('utf8');
    // A reference without a port keeps the redirecting server's, and its protocol.
    const address: ServerAddress = { host, port: referencePort(ref, len, base.port ?? 1883), protocol: base.protocol ?? this.options.protocol };
    const key = `${address.protocol ?? ''}|${host}|${address.port ?? ''}`;
    if (this.referenced === null || this.referenced.key !== key) {
      const t = makeTransport({ ...this.options, servers: undefined, host, port: address.port, protocol: address.protocol });
      t.hooks = this.hooks;
      t.openTimeout = this.openTimeout;
      this.referenced = { key, transport: t };
    }
    this.current = this.referenced.transport;
    this.address = address;
  }
}
