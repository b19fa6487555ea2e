// The core driver's transport over the browser's WebSocket (binary frames, subprotocol mqtt):
// the third runtime of the same core, beside Node's sockets and Moddable's.
import type { Transport, TransportEvents } from '../core/driver/transport.js';

/** Bytes the browser may hold unsent before write() accepts nothing (then polled until drained). */
const HIGH_WATER = 1 << 20;
const DRAIN_POLL_MS = 20;

export class BrowserWebSocketTransport implements Transport {
  private ws: WebSocket | null = null;
  private events: TransportEvents | null = null;
  private readonly inq: Uint8Array[] = [];
  private inOff = 0;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly url: string, readonly protocol = 'mqtt') {}

  open(events: TransportEvents): void {
    this.events = events;
    this.inq.length = 0;
    this.inOff = 0;
    const ws = new WebSocket(this.url, this.protocol);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => events.onOpen();
    ws.onmessage = (e: MessageEvent) => {
      this.inq.push(new Uint8Array(e.data as ArrayBuffer));
      events.onReadable();
    };
    // A failed open and a lost connection both end in close (error comes first).
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopDrainPoll();
      events.onClose();
    };
  }

  read(buf: Uint8Array, off: number, len: number): number {
    let n = 0;
    while (n < len && this.inq.length > 0) {
      const head = this.inq[0];
      const take = Math.min(len - n, head.length - this.inOff);
      buf.set(head.subarray(this.inOff, this.inOff + take), off + n);
      n += take;
      this.inOff += take;
      if (this.inOff === head.length) {
        this.inq.shift();
        this.inOff = 0;
      }
    }
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return 0;
    if (ws.bufferedAmount > HIGH_WATER) {
      this.pollDrain();
      return 0;
    }
    ws.send(buf.slice(off, off + len));
    return len;
  }

  close(): void {
    this.ws?.close(1000);
  }

  /** The browser says nothing when its send buffer drains: look now and then. */
  private pollDrain(): void {
    if (this.drainTimer !== null) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = null;
      const ws = this.ws;
      if (ws === null) return;
      if (ws.bufferedAmount > HIGH_WATER) this.pollDrain();
      else this.events?.onWritable();
    }, DRAIN_POLL_MS);
  }

  private stopDrainPoll(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }
}
