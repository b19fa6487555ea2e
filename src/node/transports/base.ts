// What every Node transport shares: received chunks queued until the driver reads them, and
// writes copied into a batch sent once per tick (a burst of publishes becomes one socket
// write), with back-pressure when the socket's buffer passes a high-water mark.
import type { Transport, TransportEvents } from '../../core/driver/transport.js';
import { ChunkQueue } from './chunk-queue.js';

/** Bytes buffered (batched and in the socket) above which write() accepts nothing. */
export const DEFAULT_HIGH_WATER = 1 << 20;
const CHUNK = 16384;

export interface TransportHooks {
  /** A socket or TLS error (the close follows). */
  onError?(err: Error): void;
  /** A connection attempt starts (the first, or a reconnect). */
  onAttempt?(): void;
  /** Called after bytes are accepted by write() (set only while someone needs it). */
  onWrite?(): void;
}

export abstract class BaseTransport implements Transport {
  protected events: TransportEvents | null = null;
  hooks: TransportHooks = {};
  highWater = DEFAULT_HIGH_WATER;
  /** Milliseconds allowed for the TCP/TLS/WebSocket handshake (0: no limit). */
  openTimeout = 30000;

  private readonly inq = new ChunkQueue();
  private paused = false;

  private out: Buffer[] = [];
  private outFill = 0;
  private outBytes = 0;
  private flushQueued = false;
  private blocked = false;
  private readonly flushNow = (): void => this.flush();

  /** Connection number, so that events of an old connection are ignored. */
  protected generation = 0;
  protected isOpen = false;
  private closeReported = true;
  private openTimer: NodeJS.Timeout | null = null;

  // ---- What a concrete transport implements ----------------------------------------------
  /** Starts the connection; calls opened(), received(), failed(), closed() for `gen`. */
  protected abstract connectRaw(gen: number): void;
  /** Sends bytes (already a private copy). True when the socket wants more. */
  protected abstract sendRaw(buf: Buffer): boolean;
  protected abstract sendManyRaw(bufs: Buffer[]): boolean;
  /** Bytes the socket holds, not yet handed to the kernel. */
  protected abstract bufferedRaw(): number;
  /** Ends gracefully after queued data (and destroys later if the peer does not close). */
  protected abstract endRaw(): void;
  protected abstract destroyRaw(): void;
  protected abstract pauseRaw(pause: boolean): void;

  // ---- Transport -------------------------------------------------------------------------
  open(events: TransportEvents): void {
    this.events = events;
    this.generation++;
    this.inq.clear();
    this.paused = false;
    this.out = [];
    this.outFill = 0;
    this.outBytes = 0;
    this.blocked = false;
    this.isOpen = false;
    this.closeReported = false;
    this.hooks.onAttempt?.();
    if (this.openTimeout > 0) {
      const gen = this.generation;
      this.openTimer = setTimeout(() => {
        if (gen === this.generation && !this.isOpen) this.failed(gen, new Error('connection timed out'));
      }, this.openTimeout);
    }
    try {
      this.connectRaw(this.generation);
    } catch (err) {
      const gen = this.generation;
      process.nextTick(() => this.failed(gen, err as Error));
    }
  }

  read(buf: Uint8Array, off: number, len: number): number {
    const n = this.inq.read(buf, off, len);
    if (this.paused && this.inq.bytes < this.highWater >> 1) {
      this.paused = false;
      this.pauseRaw(false);
    }
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    if (!this.isOpen) return 0;
    if (this.outBytes + this.bufferedRaw() >= this.highWater) {
      this.blocked = true;
      return 0;
    }
    let last = this.out.length > 0 ? this.out[this.out.length - 1] : null;
    if (last === null || last.length - this.outFill < len) {
      // The first write of a tick gets a buffer of its own size (from Node's pool); a burst gets chunks.
      last = Buffer.allocUnsafe(this.out.length === 0 && this.outBytes === 0 ? len : (len > CHUNK ? len : CHUNK));
      if (this.out.length > 0) this.out[this.out.length - 1] = this.out[this.out.length - 1].subarray(0, this.outFill);
      this.out.push(last);
      this.outFill = 0;
    }
    last.set(buf.subarray(off, off + len), this.outFill);
    this.outFill += len;
    this.outBytes += len;
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushNow);
    }
    if (this.hooks.onWrite !== undefined) this.hooks.onWrite();
    return len;
  }

  close(): void {
    if (this.closeReported) return;
    this.flush();
    if (this.isOpen) this.endRaw();
    else this.destroyRaw();
  }

  /** Resolves once the socket has handed everything written so far to the operating system (or closed). */
  whenDrained(): Promise<void> {
    if (!this.isOpen || this.buffered() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private drainWaiters: (() => void)[] = [];

  private releaseDrainWaiters(): void {
    const w = this.drainWaiters;
    if (w.length === 0) return;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  /** Bytes accepted by write() and not yet handed to the operating system. */
  buffered(): number {
    return this.outBytes + this.bufferedRaw();
  }

  /** Drops the connection at once, unsent bytes included (onClose follows). */
  abort(): void {
    if (this.closeReported) return;
    this.out = [];
    this.outBytes = 0;
    this.destroyRaw();
  }

  // ---- For the concrete transport --------------------------------------------------------
  protected opened(gen: number): void {
    if (gen !== this.generation || this.closeReported) return;
    this.clearOpenTimer();
    this.isOpen = true;
    this.events?.onOpen();
  }

  protected received(gen: number, chunk: Buffer): void {
    if (gen !== this.generation || !this.isOpen) return;
    this.inq.push(chunk);
    if (!this.paused && this.inq.bytes >= this.highWater) {
      this.paused = true;
      this.pauseRaw(true);
    }
    this.events?.onReadable();
  }

  protected drained(gen: number): void {
    if (gen !== this.generation) return;
    if (this.drainWaiters.length > 0 && this.buffered() === 0) this.releaseDrainWaiters();
    if (!this.blocked) return;
    if (this.outBytes + this.bufferedRaw() >= this.highWater) return;
    this.blocked = false;
    this.events?.onWritable();
  }

  protected failed(gen: number, err: Error): void {
    if (gen !== this.generation || this.closeReported) return;
    this.hooks.onError?.(err);
    this.destroyRaw();
    this.closed(gen);
  }

  protected closed(gen: number): void {
    if (gen !== this.generation || this.closeReported) return;
    this.clearOpenTimer();
    this.closeReported = true;
    this.isOpen = false;
    this.out = [];
    this.outBytes = 0;
    this.releaseDrainWaiters();
    this.events?.onClose();
  }

  private clearOpenTimer(): void {
    if (this.openTimer !== null) clearTimeout(this.openTimer);
    this.openTimer = null;
  }

  private flush(): void {
    this.flushQueued = false;
    const out = this.out;
    if (out.length === 0 || !this.isOpen) return;
    out[out.length - 1] = out[out.length - 1].subarray(0, this.outFill);
    this.out = [];
    this.outFill = 0;
    this.outBytes = 0;
    const more = out.length === 1 ? this.sendRaw(out[0]) : this.sendManyRaw(out);
    if (more && this.blocked) this.drained(this.generation);
  }
}
