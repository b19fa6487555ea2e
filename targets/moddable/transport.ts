// The driver's Transport over ECMA-419's embedded:io/socket/tcp (and .../tcp/tls), as Moddable
// implements it on lwIP: onReadable(count) and onWritable(count) report what is available and
// what fits; read(buffer) reads exactly buffer.byteLength bytes; write(buffer) must fit.
//
// What it allocates: the socket per connection attempt; nothing per packet. Reads and writes
// copy through one small resizable ArrayBuffer under a length-tracking Uint8Array (the socket
// API takes a whole view, and a view of a range would be one object per call), resized to the
// count of each piece: a packet larger than it moves in several pieces. The socket's callbacks
// are module functions that find the transport in the socket's `target` (ECMA-419 sets it from
// the options), so a transport holds no closures. Other socket classes (Moddable's TLS socket
// calls its callbacks on an object of its own, without `target`) get three closures per
// connection attempt instead.
//
// A host that is not a dotted IPv4 address is resolved first when a resolver is given (`dns`:
// an ECMA-419 resolver class, its servers and its UDP socket class); the resolver exists only
// while it resolves, and a name that does not resolve ends the attempt as a failed connection.
import TCP from 'embedded:io/socket/tcp';
import type { Transport, TransportEvents } from '../../src/core/driver/transport.js';

/** A socket constructor with the embedded:io/socket/tcp options (TCP, or a TLS socket). */
export type SocketConstructor = typeof TCP;

/** The largest piece copied at once (bytes): the copy buffer's size, when the session's buffers are larger. */
const PIECE = 256;

/** An ECMA-419 DNS resolver instance (embedded:network/dns/resolver/udp, or targets/moddable/dns). */
export interface Resolver {
  resolve(request: { host: string; onResolved: (host: string, address: string) => void; onError: (host: string) => void }): void;
  close(): void;
}

/**
 * How to resolve a host name: ECMA-419's `dns` option of a network client (Moddable's
 * `device.network.*.dns`): the resolver class, the DNS servers (IPv4 addresses) and the UDP
 * socket class; `port` (default 53) is read by targets/moddable/dns only.
 */
export interface DnsOptions {
  io: new (options: { servers: readonly string[]; socket: { io: unknown }; port?: number }) => Resolver;
  servers: readonly string[];
  socket: { io: unknown };
  port?: number;
}

/** True when `host` is a dotted IPv4 address (it needs no DNS). */
/* cold */
export function isIPv4(host: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i < host.length ? host.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return false;
      value = value * 10 + (c - 0x30);
    } else return false;
  }
  return parts === 4;
}


/** A socket made with `target: transport` (ECMA-419 keeps it as the instance's `target`). */
interface TargetedSocket {
  target: SocketTransport;
}

function onReadable(this: TCP, bytes: number): void {
  return (this as unknown as TargetedSocket).target.readable(this, bytes);
}

function onWritable(this: TCP, bytes: number): void {
  return (this as unknown as TargetedSocket).target.writableNow(this, bytes);
}

function onError(this: TCP): void {
  return (this as unknown as TargetedSocket).target.failed(this);
}

/**
 * What a transport other than plain TCP to an address needs (socket class, extra options, DNS),
 * kept apart so that the plain one pays one slot for all of it.
 */
class SocketSetup {
  socketClass: SocketConstructor;
  extra: Record<string, unknown> | null;
  dns: DnsOptions | null;
  /** The resolver of the attempt in progress (null once resolved or failed). */
  resolver: Resolver | null;

  /* cold */
  constructor(socketClass: SocketConstructor, extra: Record<string, unknown> | null, dns: DnsOptions | null) {
    this.socketClass = socketClass;
    this.extra = extra;
    this.dns = dns;
    this.resolver = null;
  }
}

export class SocketTransport implements Transport {
  /** The broker: an IPv4 address, or a host name resolved with `dns` at each connection attempt. */
  address: string;
  port: number;
  /** Socket class, extra options and resolver; null: plain TCP to `address` as given. */
  private setup: SocketSetup | null;
  socket: TCP | null;
  events: TransportEvents | null;
  /** Bytes the socket said are waiting, less those read since. */
  available: number;
  /** Bytes the socket said it can take, less those written since; -1 until the socket opened. */
  writable: number;
  /** A length-tracking view over the copy buffer (read and write in turn; resizable ArrayBuffer). */
  private copyView: Uint8Array;

  /** maxRead / maxWrite: the session's buffer sizes; the copy buffer is the larger, at most PIECE bytes. */
  constructor(address: string, port: number, maxRead: number, maxWrite: number, socketClass: SocketConstructor = TCP, extra: Record<string, unknown> | null = null, dns: DnsOptions | null = null) {
    this.address = address;
    this.port = port;
    this.setup = socketClass === TCP && extra === null && dns === null ? null : new SocketSetup(socketClass, extra, dns);
    this.socket = null;
    this.events = null;
    this.available = 0;
    this.writable = -1;
    let size = maxRead > maxWrite ? maxRead : maxWrite;
    if (size > PIECE) size = PIECE;
    this.copyView = new Uint8Array(new ArrayBuffer(size, { maxByteLength: size }));
  }

  /** The socket class (default embedded:io/socket/tcp). */
  get socketClass(): SocketConstructor {
    const setup = this.setup;
    return setup === null ? TCP : setup.socketClass;
  }

  /* cold */
  set socketClass(v: SocketConstructor) {
    if (this.setup !== null || v !== TCP) this.madeSetup().socketClass = v;
  }

  /** Extra constructor options (e.g. host and secure for TLS); null for plain TCP. */
  get extra(): Record<string, unknown> | null {
    const setup = this.setup;
    return setup === null ? null : setup.extra;
  }

  /* cold */
  set extra(v: Record<string, unknown> | null) {
    if (this.setup !== null || v !== null) this.madeSetup().extra = v;
  }

  /** The resolver for a host name; null: `address` is used as given. */
  get dns(): DnsOptions | null {
    const setup = this.setup;
    return setup === null ? null : setup.dns;
  }

  /* cold */
  set dns(v: DnsOptions | null) {
    if (this.setup !== null || v !== null) this.madeSetup().dns = v;
  }

  /* cold */
  private madeSetup(): SocketSetup {
    let setup = this.setup;
    if (setup === null) {
      setup = new SocketSetup(TCP, null, null);
      this.setup = setup;
    }
    return setup;
  }

  /** The socket has reported it can be written (the connection is open). */
  get opened(): boolean {
    return this.writable >= 0;
  }

  /* cold */
  open(events: TransportEvents): void {
    this.events = events;
    this.available = 0;
    this.writable = -1;
    const setup = this.setup;
    const dns = setup === null ? null : setup.dns;
    if (setup === null || dns === null || isIPv4(this.address)) return this.connect(this.address);
    const self = this;
    // Callbacks of a resolver that is no longer this transport's (closed, or replaced) are ignored.
    let resolver: Resolver | null = null;
    try {
      resolver = new dns.io({ servers: dns.servers, socket: dns.socket, port: dns.port });
      setup.resolver = resolver;
      resolver.resolve({
        host: this.address,
        onResolved(_host: string, address: string): void {
          if (setup.resolver === resolver) self.resolved(String(address));
        },
        onError(_host: string): void {
          if (setup.resolver === resolver) self.unresolved();
        },
      });
    } catch {
      setup.resolver = null;
      if (resolver !== null) resolver.close();
      trace('xsmqtt: cannot resolve ', this.address, '\n');
      events.onClose();
    }
  }

  /** Closes the resolver in progress, if any. */
  /* cold */
  private endResolving(): void {
    const setup = this.setup;
    if (setup === null) return;
    const resolver = setup.resolver;
    setup.resolver = null;
    if (resolver !== null) resolver.close();
  }

  /* cold */
  private resolved(address: string): void {
    this.endResolving();
    this.connect(address);
  }

  /* cold */
  private unresolved(): void {
    this.endResolving();
    trace('xsmqtt: ', this.address, ' did not resolve\n');
    const events = this.events;
    if (events !== null) events.onClose();
  }

  /* cold */
  private connect(address: string): void {
    const options: Record<string, unknown> = {
      address,
      port: this.port,
      nodelay: true,
    };
    const socketClass = this.socketClass;
    // Set once constructed: callbacks of an earlier socket (closed, or replaced) are ignored.
    let socket: TCP | null = null;
    if (socketClass === TCP) {
      options.target = this;
      options.onReadable = onReadable;
      options.onWritable = onWritable;
      options.onError = onError;
    } else {
      // Moddable's TLS socket calls these on an object of its own: closures for this attempt.
      const self = this;
      options.onReadable = function (bytes: number): void {
        if (socket !== null) return self.readable(socket, bytes);
      };
      options.onWritable = function (bytes: number): void {
        if (socket !== null) return self.writableNow(socket, bytes);
      };
      options.onError = function (): void {
        if (socket !== null) return self.failed(socket);
      };
    }
    const extra = this.extra;
    if (extra !== null) {
      const keys = Object.keys(extra);
      for (let i = 0; i < keys.length; i++) options[keys[i]] = extra[keys[i]];
    }
    try {
      socket = new socketClass(options as unknown as ConstructorParameters<SocketConstructor>[0]);
    } catch {
      socket = null;
    }
    this.socket = socket;
    if (socket === null) {
      const events = this.events;
      if (events !== null) events.onClose();
    }
  }

  read(buf: Uint8Array, off: number, len: number): number {
    const socket = this.socket;
    if (socket === null) return 0;
    const view = this.copyView;
    const copy = view.buffer as ArrayBuffer;
    const most = copy.maxByteLength;
    let done = 0;
    while (done < len && this.available > 0) {
      let n = len - done;
      if (n > this.available) n = this.available;
      if (n > most) n = most;
      copy.resize(n);
      socket.read(view);
      buf.set(view, off + done);
      this.available -= n;
      done += n;
    }
    return done;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const socket = this.socket;
    // writable is -1 until the socket opened: nothing is written before.
    if (socket === null || this.writable <= 0) return 0;
    const view = this.copyView;
    const copy = view.buffer as ArrayBuffer;
    const most = copy.maxByteLength;
    let done = 0;
    while (done < len && this.writable > 0) {
      let n = len - done;
      if (n > this.writable) n = this.writable;
      if (n > most) n = most;
      copy.resize(n);
      const from = off + done;
      for (let i = 0; i < n; i++) view[i] = buf[from + i];
      const left = socket.write(view) as unknown as number | undefined;
      this.writable = left === undefined ? this.writable - n : left;
      done += n;
    }
    return done;
  }

  /**
   * Sets the copy buffer to its largest size. XS counts a resize in place as chunk bytes
   * gained or freed, so an exact allocation measurement calls this before each reading.
   */
  settle(): void {
    const copy = this.copyView.buffer as ArrayBuffer;
    copy.resize(copy.maxByteLength);
  }

  /* cold */
  close(): void {
    this.endResolving();
    const socket = this.socket;
    this.socket = null;
    this.available = 0;
    this.writable = -1;
    if (socket !== null) socket.close();
    const events = this.events;
    if (events !== null) events.onClose();
  }

  // The socket's callbacks (through the module functions above). The calls into the driver are
  // tail calls (stack depth: src/core/driver/driver.ts's header).
  readable(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    this.available = bytes;
    const events = this.events;
    if (events !== null) return events.onReadable();
  }

  writableNow(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    const opening = this.writable < 0;
    this.writable = bytes;
    const events = this.events;
    if (events === null) return;
    if (opening) return events.onOpen();
    return events.onWritable();
  }

  /* cold */
  failed(socket: TCP): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.writable = -1;
    socket.close();
    const events = this.events;
    if (events !== null) events.onClose();
  }
}
