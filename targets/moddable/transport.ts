// The driver's Transport over ECMA-419's embedded:io/socket/tcp (and .../tcp/tls), as Moddable
// implements it on lwIP: onReadable(count) and onWritable(count) report what is available and
// what fits; read(buffer) reads exactly buffer.byteLength bytes; write(buffer) must fit.
//
// What it allocates: the socket (and its callbacks' records) per connection attempt; nothing
// per packet. Reads copy through a resizable ArrayBuffer under a length-tracking Uint8Array,
// resized to the count and copied into the session's receive buffer with set(); writes copy at
// most the writable count into a second such buffer (the socket API takes a whole view, and a
// view of a range would be one object per write).
import TCP from 'embedded:io/socket/tcp';
import type { Transport, TransportEvents } from '../../src/core/driver/transport.js';

/** A socket constructor with the embedded:io/socket/tcp options (TCP, or a TLS socket). */
export type SocketConstructor = typeof TCP;

export class SocketTransport implements Transport {
  address: string;
  port: number;
  /** Extra constructor options (e.g. host and secure for TLS); null for plain TCP. */
  extra: Record<string, unknown> | null;
  socketClass: SocketConstructor;
  socket: TCP | null;
  events: TransportEvents | null;
  opened: boolean;
  /** Bytes the socket said are waiting, less those read since. */
  available: number;
  /** Bytes the socket said it can take, less those written since. */
  writable: number;
  private readBuffer: ArrayBuffer;
  private readView: Uint8Array;
  private writeBuffer: ArrayBuffer;
  private writeView: Uint8Array;
  private readonly onReadableCb: (this: TCP, bytes: number) => void;
  private readonly onWritableCb: (this: TCP, bytes: number) => void;
  private readonly onErrorCb: (this: TCP) => void;

  /** maxRead / maxWrite: the largest single copy (the session's buffer sizes are enough). */
  constructor(address: string, port: number, maxRead: number, maxWrite: number, socketClass: SocketConstructor = TCP, extra: Record<string, unknown> | null = null) {
    this.address = address;
    this.port = port;
    this.extra = extra;
    this.socketClass = socketClass;
    this.socket = null;
    this.events = null;
    this.opened = false;
    this.available = 0;
    this.writable = 0;
    // Made at their largest: XS keeps the memory when they shrink, so resizing never allocates.
    this.readBuffer = new ArrayBuffer(maxRead, { maxByteLength: maxRead });
    this.readView = new Uint8Array(this.readBuffer);
    this.writeBuffer = new ArrayBuffer(maxWrite, { maxByteLength: maxWrite });
    this.writeView = new Uint8Array(this.writeBuffer);
    // The callbacks are made once; `this` inside them is the socket, so they close over the transport.
    const self = this;
    this.onReadableCb = function (bytes: number): void { self.readable(this, bytes); };
    this.onWritableCb = function (bytes: number): void { self.writableNow(this, bytes); };
    this.onErrorCb = function (): void { self.failed(this); };
  }

  /* cold */
  open(events: TransportEvents): void {
    this.events = events;
    this.opened = false;
    this.available = 0;
    this.writable = 0;
    const options: Record<string, unknown> = {
      address: this.address,
      port: this.port,
      nodelay: true,
      onReadable: this.onReadableCb,
      onWritable: this.onWritableCb,
      onError: this.onErrorCb,
    };
    if (this.extra !== null) {
      const keys = Object.keys(this.extra);
      for (let i = 0; i < keys.length; i++) options[keys[i]] = this.extra[keys[i]];
    }
    // A refused address or no free socket throws here on a device: report it as a close.
    let socket: TCP | null = null;
    try {
      socket = new this.socketClass(options as unknown as ConstructorParameters<SocketConstructor>[0]);
    } catch {
      socket = null;
    }
    this.socket = socket;
    if (socket === null) events.onClose();
  }

  read(buf: Uint8Array, off: number, len: number): number {
    const socket = this.socket;
    if (socket === null) return 0;
    let n = this.available < len ? this.available : len;
    if (n > this.readBuffer.maxByteLength) n = this.readBuffer.maxByteLength;
    if (n <= 0) return 0;
    this.readBuffer.resize(n);
    socket.read(this.readView);
    buf.set(this.readView, off);
    this.available -= n;
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const socket = this.socket;
    if (socket === null || !this.opened) return 0;
    let n = this.writable < len ? this.writable : len;
    if (n > this.writeBuffer.maxByteLength) n = this.writeBuffer.maxByteLength;
    if (n <= 0) return 0;
    this.writeBuffer.resize(n);
    const view = this.writeView;
    for (let i = 0; i < n; i++) view[i] = buf[off + i];
    const left = socket.write(view) as unknown as number | undefined;
    // Moddable's lwIP write returns the space left; where it does not, count down. (Not
    // `typeof left`: XS builds a new string for every typeof, so it allocates.)
    this.writable = left === undefined ? this.writable - n : left;
    return n;
  }

  /**
   * Sets both copy buffers to their largest size. XS counts a resize in place as chunk bytes
   * gained or freed, so an exact allocation measurement calls this before each reading.
   */
  settle(): void {
    this.readBuffer.resize(this.readBuffer.maxByteLength);
    this.writeBuffer.resize(this.writeBuffer.maxByteLength);
  }

  /* cold */
  close(): void {
    const socket = this.socket;
    this.socket = null;
    this.opened = false;
    this.available = 0;
    this.writable = 0;
    if (socket !== null) socket.close();
    const events = this.events;
    if (events !== null) events.onClose();
  }

  private readable(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    this.available = bytes;
    const events = this.events;
    if (events !== null) events.onReadable();
  }

  private writableNow(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    this.writable = bytes;
    const events = this.events;
    if (events === null) return;
    if (!this.opened) {
      this.opened = true;
      events.onOpen();
    } else {
      events.onWritable();
    }
  }

  /* cold */
  private failed(socket: TCP): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.opened = false;
    socket.close();
    const events = this.events;
    if (events !== null) events.onClose();
  }
}
