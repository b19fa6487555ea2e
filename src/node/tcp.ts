// A minimal Node TCP transport for the core driver: owns one net.Socket per connection,
// buffers what arrives until the driver reads it, and reports back-pressure from write().
import net from 'node:net';
import type { Transport, TransportEvents } from '../core/driver/index.js';

export class NodeTcpTransport implements Transport {
  host: string;
  port: number;
  private socket: net.Socket | null = null;
  private events: TransportEvents | null = null;
  private chunks: Buffer[] = [];
  private chunkPos = 0;
  private blocked = false;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  open(events: TransportEvents): void {
    this.events = events;
    this.chunks = [];
    this.chunkPos = 0;
    this.blocked = false;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    let closed = false;
    socket.on('connect', () => {
      if (this.socket === socket) events.onOpen();
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.chunks.push(chunk);
      events.onReadable();
    });
    socket.on('drain', () => {
      if (this.socket !== socket) return;
      this.blocked = false;
      events.onWritable();
    });
    socket.on('error', () => { /* 'close' follows */ });
    socket.on('close', () => {
      if (closed) return;
      closed = true;
      if (this.socket !== socket) return;
      this.socket = null;
      events.onClose();
    });
  }

  read(buf: Uint8Array, off: number, len: number): number {
    let n = 0;
    while (n < len && this.chunks.length > 0) {
      const c = this.chunks[0];
      const take = Math.min(len - n, c.length - this.chunkPos);
      buf.set(c.subarray(this.chunkPos, this.chunkPos + take), off + n);
      n += take;
      this.chunkPos += take;
      if (this.chunkPos === c.length) {
        this.chunks.shift();
        this.chunkPos = 0;
      }
    }
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const s = this.socket;
    if (s === null || this.blocked || s.destroyed) return 0;
    // Copied: the driver reuses its buffer.
    if (!s.write(Buffer.from(buf.subarray(off, off + len)))) this.blocked = true;
    return len;
  }

  close(): void {
    const s = this.socket;
    if (s === null) return;
    s.end();
    s.destroySoon();
  }

  /** Drops the connection abruptly (no FIN handshake wait), as a crash or cable pull would. */
  destroy(): void {
    this.socket?.resetAndDestroy();
  }
}
