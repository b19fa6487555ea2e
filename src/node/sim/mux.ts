// Many devices' links over one byte stream: a simulator process (fleet-worker.ts) holds its
// devices' sessions and drivers, the parent holds the broker, and one pipe between them
// carries every device's bytes, so that a fleet beyond the file-descriptor limit needs one
// descriptor per process. Frames: kind (1 byte), stream id (4), length (4), bytes. Control
// messages (JSON) travel on stream 0. Writes are batched into one write per event-loop turn.
import type { Duplex } from 'node:stream';
import type { Broker, Connection } from '../../broker/broker.js';
import type { Link } from '../../broker/link.js';
import { LinkPort, LinkTransport } from './memory-link.js';

const enum Kind {
  Open = 1,
  Data = 2,
  Close = 3,
  Control = 4,
}

const HEADER = 9;

/** Frames out (batched) and in (reassembled across chunks). */
class FrameStream {
  private out: Buffer[] = [];
  private outBytes = 0;
  private scheduled = false;
  private partial: Buffer | null = null;
  /** The other process has gone (its exit is reported where it was spawned): frames for it are dropped. */
  private broken = false;

  constructor(private readonly stream: Duplex, private readonly onFrame: (kind: number, id: number, body: Buffer) => void) {
    stream.on('data', (b: Buffer) => this.take(b));
    stream.on('error', () => { this.broken = true; });
  }

  send(kind: number, id: number, body: Uint8Array | null): void {
    const len = body === null ? 0 : body.length;
    const f = Buffer.allocUnsafe(HEADER + len);
    f[0] = kind;
    f.writeUInt32LE(id, 1);
    f.writeUInt32LE(len, 5);
    if (body !== null) f.set(body, HEADER);
    this.out.push(f);
    this.outBytes += f.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.out.length === 0) return;
    const all = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    if (!this.stream.destroyed && !this.broken) this.stream.write(all);
  }

  private take(chunk: Buffer): void {
    let b = this.partial === null ? chunk : Buffer.concat([this.partial, chunk]);
    this.partial = null;
    let off = 0;
    while (b.length - off >= HEADER) {
      const len = b.readUInt32LE(off + 5);
      if (b.length - off < HEADER + len) break;
      this.onFrame(b[off], b.readUInt32LE(off + 1), b.subarray(off + HEADER, off + HEADER + len));
      off += HEADER + len;
    }
    if (off < b.length) {
      // Copied: the rest of a large chunk is not held alive by a small partial frame.
      b = b.subarray(off);
      this.partial = Buffer.from(b);
    }
  }
}

/** The device process's end: devices' LinkTransports over the pipe to the parent's broker. */
export class MuxClient implements LinkPort {
  private readonly frames: FrameStream;
  private readonly streams = new Map<number, LinkTransport>();
  private nextId = 1;
  private queue: LinkTransport[] = [];
  private scheduled = false;
  opened = 0;

  constructor(stream: Duplex, private readonly onControl: (msg: Record<string, unknown>) => void) {
    this.frames = new FrameStream(stream, (kind, id, body) => this.frame(kind, id, body));
  }

  control(msg: Record<string, unknown>): void {
    this.frames.send(Kind.Control, 0, Buffer.from(JSON.stringify(msg)));
    this.frames.flush();
  }

  connect(t: LinkTransport, address: string): boolean {
    const id = this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = 1;
    t.handle = id;
    this.streams.set(id, t);
    this.opened++;
    this.frames.send(Kind.Open, id, Buffer.from(address));
    return true;
  }

  send(t: LinkTransport, bytes: Uint8Array): void {
    this.frames.send(Kind.Data, t.handle as number, bytes);
  }

  disconnect(t: LinkTransport): void {
    const id = t.handle as number | null;
    if (id === null || !this.streams.has(id)) return;
    this.streams.delete(id);
    this.frames.send(Kind.Close, id, null);
  }

  post(t: LinkTransport): void {
    this.queue.push(t);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.scheduled = false;
    for (let round = 0; round < 1000 && this.queue.length > 0; round++) {
      const q = this.queue;
      this.queue = [];
      for (const t of q) t.deliver();
    }
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private frame(kind: number, id: number, body: Buffer): void {
    if (kind === Kind.Control) {
      this.onControl(JSON.parse(body.toString()) as Record<string, unknown>);
      return;
    }
    const t = this.streams.get(id);
    if (t === undefined) return;
    if (kind === Kind.Data) t.received(Buffer.from(body));
    else if (kind === Kind.Close) {
      this.streams.delete(id);
      t.ended();
    }
  }
}

/** The broker's side of one device stream from a MuxClient. */
class MuxLink implements Link {
  conn: Connection | null = null;
  readonly buffered = 0;
  constructor(private readonly server: MuxServer, readonly id: number) {}
  write(chunk: Uint8Array): void { this.server.toDevice(this, chunk); }
  // One pipe carries every device: the pipe's own back-pressure is the only one.
  pause(): void {}
  resume(): void {}
  end(): void { this.server.ended(this); }
  destroy(): void { this.server.ended(this); }
}

/** The broker process's end of one device process's pipe. */
export class MuxServer {
  private readonly frames: FrameStream;
  private readonly links = new Map<number, MuxLink>();

  constructor(private readonly broker: Broker | null, stream: Duplex, private readonly onControl: (msg: Record<string, unknown>) => void) {
    this.frames = new FrameStream(stream, (kind, id, body) => this.frame(kind, id, body));
  }

  get size(): number {
    return this.links.size;
  }

  control(msg: Record<string, unknown>): void {
    this.frames.send(Kind.Control, 0, Buffer.from(JSON.stringify(msg)));
    this.frames.flush();
  }

  toDevice(link: MuxLink, chunk: Uint8Array): void {
    if (this.links.get(link.id) === link) this.frames.send(Kind.Data, link.id, chunk);
  }

  ended(link: MuxLink): void {
    if (this.links.get(link.id) !== link) return;
    this.links.delete(link.id);
    this.frames.send(Kind.Close, link.id, null);
  }

  /** The pipe is gone: every device on it vanished. */
  closeAll(): void {
    for (const l of [...this.links.values()]) {
      this.links.delete(l.id);
      l.conn?.peerClosed();
    }
  }

  private frame(kind: number, id: number, body: Buffer): void {
    if (kind === Kind.Control) {
      this.onControl(JSON.parse(body.toString()) as Record<string, unknown>);
      return;
    }
    if (kind === Kind.Open) {
      const link = new MuxLink(this, id);
      this.links.set(id, link);
      // With an external broker the pipe carries counters only.
      if (this.broker === null) this.ended(link);
      else link.conn = this.broker.open(link, 'memory', body.toString());
      return;
    }
    const link = this.links.get(id);
    if (link === undefined) return;
    if (kind === Kind.Data) link.conn?.receive(body);
    else if (kind === Kind.Close) {
      this.links.delete(id);
      link.conn?.peerClosed();
    }
  }
}
