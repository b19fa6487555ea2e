// Links with no socket and no file descriptor: a simulated device's transport joined to the
// embedded broker's connection in the same process (LinkHub), or to a broker in the parent
// process over one shared pipe (mux.ts). The same session, driver and broker code run; only
// the transport differs. Bytes are handed over at once; what a device is told (open, readable,
// writable, closed) waits in a queue, so neither side is re-entered from inside the other.
import type { Broker, Connection } from '../../broker/broker.js';
import type { Link } from '../../broker/link.js';
import type { Transport, TransportEvents } from '../../core/driver/transport.js';

/** A device transport the simulator can also drop at once (a device losing power). */
export interface SimTransport extends Transport {
  /** Closes with no DISCONNECT: the broker publishes the will. */
  abort(): void;
  /** No connection is open or closing. */
  readonly idle: boolean;
}

/** Where a link transport's bytes go: the broker in this process, or the pipe to it. */
export interface LinkPort {
  /** Opens the broker's side for t (t.handle is the port's); false when the broker refused it. */
  connect(t: LinkTransport, address: string): boolean;
  /** Hands bytes to the broker (consumed or copied before it returns). */
  send(t: LinkTransport, bytes: Uint8Array): void;
  /** The device closed: the broker sees the peer gone. */
  disconnect(t: LinkTransport): void;
  /** Calls t.deliver() later, outside the current call. */
  post(t: LinkTransport): void;
}

const enum Ev {
  Open = 1,
  Readable = 2,
  Writable = 4,
  Close = 8,
  /** Waiting in the port's queue. */
  Queued = 16,
  /** The broker paused the link (back-pressure): writes wait. */
  Paused = 32,
  /** A write was refused while paused: say writable on resume. */
  WantWrite = 64,
  /** Opened and onClose not yet delivered. */
  Active = 128,
  /** The broker's side is gone (writes are refused). */
  Gone = 256,
}

export class LinkTransport implements SimTransport {
  /** The port's handle on the broker's side (a link, or a stream id). */
  handle: unknown = null;
  private events: TransportEvents | null = null;
  /** Bytes the broker wrote and the device has not read. */
  private chunks: Uint8Array[] | null = null;
  private head = 0;
  private bits = 0;
  /** Bytes written by the broker and not yet read (Link.buffered). */
  buffered = 0;

  constructor(private readonly port: LinkPort, private readonly address: string) {}

  get idle(): boolean {
    return (this.bits & Ev.Active) === 0;
  }

  // ---- device side (Transport)

  open(events: TransportEvents): void {
    this.events = events;
    this.chunks = null;
    this.head = 0;
    this.buffered = 0;
    this.bits = Ev.Active;
    // A refused link has queued its Close already.
    if (this.port.connect(this, this.address)) this.notify(Ev.Open);
  }

  read(buf: Uint8Array, off: number, len: number): number {
    const c = this.chunks;
    if (c === null) return 0;
    let n = 0;
    while (n < len && c.length > 0) {
      const b = c[0];
      const take = Math.min(len - n, b.length - this.head);
      buf.set(take === b.length ? b : b.subarray(this.head, this.head + take), off + n);
      n += take;
      this.head += take;
      if (this.head >= b.length) {
        c.shift();
        this.head = 0;
      }
    }
    if (c.length === 0) this.chunks = null;
    this.buffered -= n;
    return n;
  }

  write(buf: Uint8Array, off: number, len: number): number {
    if ((this.bits & (Ev.Gone | Ev.Active)) !== Ev.Active) return 0;
    if ((this.bits & Ev.Paused) !== 0) {
      this.bits |= Ev.WantWrite;
      return 0;
    }
    this.port.send(this, buf.subarray(off, off + len));
    return len;
  }

  close(): void {
    if ((this.bits & Ev.Active) === 0) return;
    if ((this.bits & Ev.Gone) === 0) {
      this.bits |= Ev.Gone;
      this.port.disconnect(this);
    }
    this.notify(Ev.Close);
  }

  abort(): void {
    this.close();
  }

  // ---- broker side (called by the port)

  pause(): void {
    this.bits |= Ev.Paused;
  }

  resume(): void {
    const want = (this.bits & Ev.WantWrite) !== 0;
    this.bits &= ~(Ev.Paused | Ev.WantWrite);
    if (want) this.notify(Ev.Writable);
  }

  /** The broker ended or destroyed the link. */
  ended(): void {
    this.bits |= Ev.Gone;
    this.notify(Ev.Close);
  }

  /** The broker's output: the chunk is the device's from now on. */
  received(chunk: Uint8Array): void {
    if ((this.bits & Ev.Active) === 0) return;
    if (this.chunks === null) this.chunks = [chunk];
    else this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.notify(Ev.Readable);
  }

  // ---- the queue

  private notify(ev: number): void {
    if ((this.bits & Ev.Active) === 0) return;
    const queued = (this.bits & Ev.Queued) !== 0;
    this.bits |= ev | Ev.Queued;
    if (!queued) this.port.post(this);
  }

  deliver(): void {
    const bits = this.bits;
    this.bits &= ~(Ev.Open | Ev.Readable | Ev.Writable | Ev.Close | Ev.Queued);
    const e = this.events;
    if (e === null || (bits & Ev.Active) === 0) return;
    if ((bits & Ev.Open) !== 0) e.onOpen();
    if ((bits & Ev.Readable) !== 0 && this.chunks !== null) e.onReadable();
    if ((bits & Ev.Writable) !== 0) e.onWritable();
    if ((bits & Ev.Close) !== 0) {
      if ((this.bits & Ev.Gone) === 0) this.port.disconnect(this);
      this.handle = null;
      this.chunks = null;
      this.buffered = 0;
      this.bits = 0;
      e.onClose();
    }
  }
}

/** The broker's side of an in-process link (a separate object: Link and Transport both name a write). */
class MemoryLink implements Link {
  conn: Connection | null = null;
  constructor(readonly t: LinkTransport) {}
  /** A link of an earlier connection no longer reaches the transport. */
  private get live(): boolean { return this.t.handle === this; }
  get buffered(): number { return this.live ? this.t.buffered : 0; }
  write(chunk: Uint8Array): void { if (this.live) this.t.received(chunk); }
  pause(): void { if (this.live) this.t.pause(); }
  resume(): void { if (this.live) this.t.resume(); }
  end(): void { if (this.live) this.t.ended(); }
  destroy(): void { if (this.live) this.t.ended(); }
}

/** In-process links to the embedded broker, and the queue of device notifications: drained after each event-loop turn, or by hand on simulated time. */
export class LinkHub implements LinkPort {
  private queue: LinkTransport[] = [];
  private scheduled = false;
  /** Connections opened (for the summary). */
  opened = 0;
  /** The broker is not listening (a restart): connections are refused. */
  down = false;

  /** auto: drain on setImmediate; otherwise the caller drains (simulated time). */
  constructor(readonly broker: Broker, private readonly auto = true) {}

  connect(t: LinkTransport, address: string): boolean {
    if (this.down) {
      t.ended();
      return false;
    }
    const link = new MemoryLink(t);
    t.handle = link;
    this.opened++;
    link.conn = this.broker.open(link, 'memory', address);
    return link.conn !== null;
  }

  send(t: LinkTransport, bytes: Uint8Array): void {
    (t.handle as MemoryLink).conn?.receive(bytes);
  }

  disconnect(t: LinkTransport): void {
    const link = t.handle as MemoryLink | null;
    if (link === null) return;
    const conn = link.conn;
    link.conn = null;
    conn?.peerClosed();
  }

  post(t: LinkTransport): void {
    this.queue.push(t);
    if (this.auto && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Delivers what is queued and the broker output it causes, until quiet: the notifications delivered. */
  drain(): number {
    this.scheduled = false;
    let n = 0;
    for (let round = 0; round < 100000; round++) {
      this.broker.flushAll();
      if (this.queue.length === 0) break;
      const q = this.queue;
      this.queue = [];
      for (const t of q) t.deliver();
      n += q.length;
    }
    return n;
  }
}
