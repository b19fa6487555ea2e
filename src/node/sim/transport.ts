// A lean TCP transport for simulated devices: one net.Socket and the received chunks, with none
// of the Node client's write batching, pause or timers (a fleet holds 100,000 of these), and an
// optional local (source) address to spread a fleet over 127.0.0.x.
import { connect, Socket } from 'node:net';
import type { TransportEvents } from '../../core/driver/transport.js';
import { ChunkQueue } from '../transports/chunk-queue.js';
import type { SimTransport } from './memory-link.js';

export class TcpTransport implements SimTransport {
  socket: Socket | null = null;
  private readonly chunks = new ChunkQueue();
  private events: TransportEvents | null = null;
  bytesIn = 0;
  bytesOut = 0;
  /** The last socket error's code (ECONNREFUSED, ENOTFOUND, ...), '' if none. */
  lastError = '';

  constructor(readonly host: string, readonly port: number, readonly localAddress?: string) {}

  get idle(): boolean {
    return this.socket === null;
  }

  open(events: TransportEvents): void {
    this.events = events;
    this.chunks.clear();
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
    s.on('error', (e: NodeJS.ErrnoException) => { this.lastError = e.code ?? e.message; });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.chunks.clear();
      events.onClose();
    });
  }

  read(buf: Uint8Array, off: number, len: number): number {
    return this.chunks.read(buf, off, len);
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

  /** Why the last connection failed, in words (empty when it did not). */
  get failure(): string {
    return describeSocketError(this.lastError);
  }

  /** Drops the connection at once, as a device losing power does (no DISCONNECT). */
  abort(): void {
    const s = this.socket;
    if (s !== null) s.destroy();
  }
}

/** A socket error code in words: refused, timeout, DNS, ... (the code itself when unknown). */
export function describeSocketError(code: string): string {
  switch (code) {
    case '': return '';
    case 'ECONNREFUSED': return 'connection refused (nothing listens there)';
    case 'ETIMEDOUT': return 'timeout';
    case 'ENOTFOUND': return 'DNS: no such host';
    case 'EAI_AGAIN': return 'DNS: lookup failed (temporary)';
    case 'ECONNRESET': return 'connection reset by the peer';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to the host';
    case 'EADDRNOTAVAIL': return 'address not available';
    default: return code;
  }
}
