// A lean TCP transport for simulated devices: one net.Socket, received chunks queued until the
// driver reads them, an optional local (source) address to spread a fleet over 127.0.0.x.
import { connect, Socket } from 'node:net';
import type { Transport, TransportEvents } from '../../core/driver/transport.js';

export class TcpTransport implements Transport {
  socket: Socket | null = null;
  private chunks: Buffer[] = [];
  private head = 0;
  private events: TransportEvents | null = null;
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly host: string, readonly port: number, readonly localAddress?: string) {}

  open(events: TransportEvents): void {
    this.events = events;
    this.chunks = [];
    this.head = 0;
    const s = connect({ host: this.host, port: this.port, localAddress: this.localAddress, noDelay: true });
    this.socket = s;
    s.on('connect', () => { if (this.socket === s) events.onOpen(); });
    s.on('data', (b: Buffer) => {
      if (this.socket !== s) return;
      this.bytesIn += b.length;
      this.chunks.push(b);
      events.onReadable();
    });
    s.on('drain', () => { if (this.socket === s) events.onWritable(); });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.chunks = [];
      events.onClose();
    });
  }

  read(buf: Uint8Array, off: number, len: number): number {
    let n = 0;
    const c = this.chunks;
    while (n < len && c.length > 0) {
      const b = c[0];
      const take = Math.min(len - n, b.length - this.head);
      buf.set(b.subarray(this.head, this.head + take), off + n);
      n += take;
      this.head += take;
      if (this.head >= b.length) {
        c.shift();
        this.head = 0;
      }
    }
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const s = this.socket;
    if (s === null || s.destroyed) return 0;
    if (s.writableNeedDrain) return 0;
    const copy = Buffer.allocUnsafe(len);
    copy.set(buf.subarray(off, off + len));
    s.write(copy);
    this.bytesOut += len;
    return len;
  }

  close(): void {
    const s = this.socket;
    if (s === null) return;
    // Flush what was written (a DISCONNECT), then close.
    s.end();
    s.destroySoon();
  }

  /** Drops the connection at once, as a device losing power does (no DISCONNECT). */
  abort(): void {
    const s = this.socket;
    if (s !== null) s.destroy();
  }
}
