// The driver's Transport over ECMA-419's embedded:io/socket/tcp (and .../tcp/tls), as Moddable
// implements it on lwIP: onReadable(count) and onWritable(count) report what is available and
// what fits; read(buffer) reads exactly buffer.byteLength bytes; write(buffer) must fit.
//
// What it allocates: the socket per connection attempt; nothing per packet. Reads and writes
// copy through one small resizable ArrayBuffer under a length-tracking Uint8Array (the socket
// API takes a whole view, and a view of a range would be one object per call), resized to the
// count of each piece: a packet larger than it moves in several pieces. The socket's callbacks
// are module functions that find the transport in the socket's `target` (ECMA-419 sets it from
// the options), so a transport holds no closures.
import TCP from 'embedded:io/socket/tcp';
import type { Transport, TransportEvents } from '../../src/core/driver/transport.js';

/** A socket constructor with the embedded:io/socket/tcp options (TCP, or a TLS socket). */
export type SocketConstructor = typeof TCP;

/** The largest piece copied at once (bytes): the copy buffer's size, when the session's buffers are larger. */
const PIECE = 256;

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
  /** The copy buffer (read and write in turn) and the length-tracking view over it. */
  private copyBuffer: ArrayBuffer;
  private copyView: Uint8Array;

  /** maxRead / maxWrite: the session's buffer sizes; the copy buffer is the larger, at most PIECE bytes. */
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
    let size = maxRead > maxWrite ? maxRead : maxWrite;
    if (size > PIECE) size = PIECE;
    this.copyBuffer = new ArrayBuffer(size, { maxByteLength: size });
    this.copyView = new Uint8Array(this.copyBuffer);
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
      target: this,
      onReadable,
      onWritable,
      onError,
    };
    if (this.extra !== null) {
      const keys = Object.keys(this.extra);
      for (let i = 0; i < keys.length; i++) options[keys[i]] = this.extra[keys[i]];
    }
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
    const view = this.copyView;
    const most = this.copyBuffer.maxByteLength;
    let done = 0;
    while (done < len && this.available > 0) {
      let n = len - done;
      if (n > this.available) n = this.available;
      if (n > most) n = most;
      this.copyBuffer.resize(n);
      socket.read(view);
      buf.set(view, off + done);
      this.available -= n;
      done += n;
    }
    return done;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const socket = this.socket;
    if (socket === null || !this.opened) return 0;
    const view = this.copyView;
    const most = this.copyBuffer.maxByteLength;
    let done = 0;
    while (done < len && this.writable > 0) {
      let n = len - done;
      if (n > this.writable) n = this.writable;
      if (n > most) n = most;
      this.copyBuffer.resize(n);
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
    this.copyBuffer.resize(this.copyBuffer.maxByteLength);
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

  // The socket's callbacks (through the module functions above). The calls into the driver are
  // tail calls: on XS the driver's pump then runs in this frame's place (stack depth).
  readable(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    this.available = bytes;
    const events = this.events;
    if (events !== null) return events.onReadable();
  }

  writableNow(socket: TCP, bytes: number): void {
    if (socket !== this.socket) return;
    this.writable = bytes;
    const events = this.events;
    if (events === null) return;
    if (!this.opened) {
      this.opened = true;
      return events.onOpen();
    }
    return events.onWritable();
  }

  /* cold */
  failed(socket: TCP): void {
    if (socket !== this.socket) return;
    this.socket = null;
    this.opened = false;
    socket.close();
    const events = this.events;
    if (events !== null) events.onClose();
  }
}
