// Finds packet boundaries in a byte stream, however it is chunked, inside one fixed receive
// buffer. A packet larger than the buffer is refused with 0x95, or, when streaming is on and it
// is a PUBLISH, handed over as its head and then payload chunks as they arrive. Nothing here is
// sized from a length the peer claims: a subclass may make room (grow), as the bytes arrive.
import { PacketType, ReasonCode, MAX_VARINT } from './constants.js';
import { decodeServerBody } from './client.js';
import { checkFixedHeader } from './header.js';
import { Chunk, Packet } from './packet.js';
import { decodePublishHead } from './publish.js';
import { Reader, READER_INTS } from './reader.js';
import { NEED_MORE, readVarint, varintSize } from './varint.js';
import { i32, Memory, u8, viewBytes } from './memory.js';

// Framer.f: the reader's numbers (READER_INTS), then the framer's. In XS a property is a heap
// slot and a number in a typed array none.
const START = READER_INTS;
const FILL = START + 1;
const VERSION = START + 2;
const STREAMING = START + 3;
/** Stored as int32, read back with >>> 0: any 32-bit unsigned Maximum Packet Size round-trips. */
const MAX_PACKET_SIZE = START + 4;
const PENDING = START + 5;
const STREAM_LEFT = START + 6;
const STREAM_TOTAL = START + 7;
const INTS = START + 8;

/** What a Framer of this capacity takes from a Memory. */
export function framerMemory(capacity: number): number {
  return viewBytes(capacity, 1) + viewBytes(INTS, 4);
}

/** Decodes a packet's body (fixed header read into p); a negated reason code when it fails. */
export type BodyDecoder = (r: Reader, p: Packet) => number;

export class Framer {
  /** The receive buffer: transports write received bytes at `fill` (see space/commit or push). */
  buf: Uint8Array;
  /** Its f holds the framer's numbers too (read and written through the accessors below). */
  reader: Reader;
  /** The direction decoded: a client's (decodeServerBody) unless given, codec.ts's decodeBody or server.ts's decodeClientBody for a server. */
  private decodeBody: BodyDecoder;

  constructor(capacity: number, mem: Memory | null = null, decodeBody: BodyDecoder = decodeServerBody) {
    this.buf = u8(mem, capacity);
    this.reader = new Reader(i32(mem, INTS));
    this.decodeBody = decodeBody;
    this.reset();
    this.version = 4;
    this.streaming = false;
    this.maxPacketSize = MAX_VARINT + 5;
  }

  get start(): number { return this.reader.f[START]; }
  set start(v: number) { this.reader.f[START] = v; }
  get fill(): number { return this.reader.f[FILL]; }
  set fill(v: number) { this.reader.f[FILL] = v; }
  /** Protocol level used to decode (CONNECT carries its own). */
  get version(): number { return this.reader.f[VERSION]; }
  set version(v: number) { this.reader.f[VERSION] = v; }
  /** Deliver a PUBLISH larger than the buffer as chunks instead of refusing it. */
  get streaming(): boolean { return this.reader.f[STREAMING] !== 0; }
  set streaming(v: boolean) { this.reader.f[STREAMING] = v ? 1 : 0; }
  /** Largest packet accepted, in bytes (MQTT 5 Maximum Packet Size); larger ones end in 0x95. */
  get maxPacketSize(): number { return this.reader.f[MAX_PACKET_SIZE] >>> 0; }
  set maxPacketSize(v: number) { this.reader.f[MAX_PACKET_SIZE] = v; }
  /** Bytes of the packet or chunk returned last, released by the next call to next(). */
  private get pending(): number { return this.reader.f[PENDING]; }
  private set pending(v: number) { this.reader.f[PENDING] = v; }
  /** Payload bytes of the streamed PUBLISH not yet handed over. */
  private get streamLeft(): number { return this.reader.f[STREAM_LEFT]; }
  private set streamLeft(v: number) { this.reader.f[STREAM_LEFT] = v; }
  private get streamTotal(): number { return this.reader.f[STREAM_TOTAL]; }
  private set streamTotal(v: number) { this.reader.f[STREAM_TOTAL] = v; }

  /** Forgets everything buffered (a new connection). */
  reset(): void {
    this.start = 0;
    this.fill = 0;
    this.pending = 0;
    this.streamLeft = 0;
    this.streamTotal = 0;
  }

  /** Free bytes at buf[fill..]; moves unread bytes to the front first when that makes room. */
  space(): number {
    this.release();
    if (this.start > 0 && this.fill === this.buf.length) this.compact();
    return this.buf.length - this.fill;
  }

  /** Records n bytes written by the transport at buf[fill..]. */
  commit(n: number): void {
    this.fill += n;
  }

  /** Copies up to len bytes from src; returns how many fitted. */
  push(src: Uint8Array, off: number, len: number): number {
    let n = this.space();
    if (n > len) n = len;
    const buf = this.buf;
    const at = this.fill;
    // A whole chunk (the usual case) is copied natively by set(), which allocates nothing.
    if (n > 16 && off === 0 && n === src.length) buf.set(src, at);
    else for (let i = 0; i < n; i++) buf[at + i] = src[off + i];
    this.fill = at + n;
    return n;
  }

  /** True while part of a streamed PUBLISH is still to come. */
  inStream(): boolean {
    return this.streamLeft > 0;
  }

  /**
   * Decodes the next whole packet (or streamed chunk) into p. Returns its byte count when p
   * holds one, 0 when more bytes are needed, or a negated reason code: the stream is then
   * unusable and the connection should close with that code. p's offsets stay valid until the
   * next call.
   */
  next(p: Packet): number {
    this.release();
    const buf = this.buf;
    const avail = this.fill - this.start;
    if (this.streamLeft > 0) return this.nextChunk(p, avail);
    if (avail < 2) return this.needMore();
    const first = buf[this.start];
    let rc = checkFixedHeader(first, this.version);
    if (rc < 0) return rc;
    const remaining = readVarint(buf, this.start + 1, this.fill);
    if (remaining === NEED_MORE) return this.needMore();
    if (remaining < 0) return remaining;
    const total = 1 + varintSize(remaining) + remaining;
    if (total > this.maxPacketSize) return -ReasonCode.PacketTooLarge;
    if (total > buf.length) {
      if (this.streaming && first >> 4 === PacketType.Publish) return this.streamHead(p, first, total);
      return this.grow(total) ? this.needMore() : -ReasonCode.PacketTooLarge;
    }
    if (avail < total) return this.needMore();
    // The fixed header is checked above: decode the body straight away (as decodePacket would).
    p.type = first >> 4;
    p.flags = first & 0x0f;
    p.version = this.version;
    p.chunk = Chunk.Whole;
    this.reader.reset(buf, this.start + total - remaining, this.start + total);
    rc = this.decodeBody(this.reader, p);
    this.pending = total;
    return rc < 0 ? rc : total;
  }

  /**
   * Called with the buffer holding the start of a packet of `total` bytes that does not fit: a
   * framer that can take it makes room for the bytes to come (buf may be replaced, keeping
   * buf[start..fill]) and returns true. This one holds a fixed buffer: it refuses.
   */
  protected grow(_total: number): boolean {
    return false;
  }

  protected release(): void {
    this.start += this.pending;
    this.pending = 0;
    if (this.start === this.fill) {
      this.start = 0;
      this.fill = 0;
    }
  }

  protected compact(): void {
    this.buf.copyWithin(0, this.start, this.fill);
    this.fill -= this.start;
    this.start = 0;
  }

  private needMore(): number {
    if (this.start > 0 && this.fill === this.buf.length) this.compact();
    return 0;
  }

  /** The head of a PUBLISH too big for the buffer, once the buffer is full of it. */
  private streamHead(p: Packet, first: number, total: number): number {
    if (this.start > 0) this.compact();
    if (this.fill < this.buf.length) return 0;
    const r = this.reader;
    r.reset(this.buf, 0, this.fill);
    r.pos = 1;
    r.varint();
    p.type = PacketType.Publish;
    p.flags = first & 0x0f;
    p.version = this.version;
    const rc = decodePublishHead(r, p);
    // A head (topic, properties) that does not fit in the whole buffer cannot be delivered,
    // unless the buffer can grow to take more of it.
    if (rc < 0) return r.err === 0 ? rc : this.grow(total) ? 0 : -ReasonCode.PacketTooLarge;
    const chunk = this.fill - r.pos;
    this.streamTotal = total - r.pos;
    this.streamLeft = this.streamTotal - chunk;
    p.payload = this.buf;
    p.payloadOff = r.pos;
    p.payloadLen = chunk;
    p.chunk = Chunk.Head;
    p.streamTotal = this.streamTotal;
    p.streamOffset = 0;
    this.pending = this.fill;
    return this.fill;
  }

  private nextChunk(p: Packet, avail: number): number {
    if (avail === 0) return 0;
    const n = avail < this.streamLeft ? avail : this.streamLeft;
    p.type = PacketType.Publish;
    p.payload = this.buf;
    p.payloadOff = this.start;
    p.payloadLen = n;
    p.chunk = Chunk.Piece;
    p.streamTotal = this.streamTotal;
    p.streamOffset = this.streamTotal - this.streamLeft;
    this.streamLeft -= n;
    this.pending = n;
    return n;
  }
}
