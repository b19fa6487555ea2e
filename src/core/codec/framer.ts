// Finds packet boundaries in a byte stream, however it is chunked, inside one fixed receive
// buffer. A packet larger than the buffer is refused with 0x95, or, when streaming is on and it
// is a PUBLISH, handed over as its head and then payload chunks as they arrive.
import { PacketType, ReasonCode, MAX_VARINT } from './constants.js';
import { checkFixedHeader, decodeBody } from './codec.js';
import { Packet } from './packet.js';
import { decodePublishHead } from './publish.js';
import { Reader } from './reader.js';
import { NEED_MORE, readVarint, varintSize } from './varint.js';
import { Memory, u8, viewBytes } from './memory.js';

/** What a Framer of this capacity takes from a Memory. */
export function framerMemory(capacity: number): number {
  return viewBytes(capacity, 1);
}

export class Framer {
  /** The receive buffer: transports write received bytes at `fill` (see space/commit or push). */
  buf: Uint8Array;
  start: number;
  fill: number;
  /** Protocol level used to decode (CONNECT carries its own). */
  version: number;
  /** Deliver a PUBLISH larger than the buffer as chunks instead of refusing it. */
  streaming: boolean;
  /** Largest packet accepted, in bytes (MQTT 5 Maximum Packet Size); larger ones end in 0x95. */
  maxPacketSize: number;
  reader: Reader;
  /** Bytes of the packet or chunk returned last, released by the next call to next(). */
  private pending: number;
  /** Payload bytes of the streamed PUBLISH not yet handed over. */
  private streamLeft: number;
  private streamTotal: number;

  constructor(capacity: number, mem: Memory | null = null) {
    this.buf = u8(mem, capacity);
    this.start = 0;
    this.fill = 0;
    this.version = 4;
    this.streaming = false;
    this.maxPacketSize = MAX_VARINT + 5;
    this.reader = new Reader();
    this.pending = 0;
    this.streamLeft = 0;
    this.streamTotal = 0;
  }

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
      if (!this.streaming || first >> 4 !== PacketType.Publish) return -ReasonCode.PacketTooLarge;
      return this.streamHead(p, first, total);
    }
    if (avail < total) return this.needMore();
    // The fixed header is checked above: decode the body straight away (as decodePacket would).
    p.type = first >> 4;
    p.flags = first & 0x0f;
    p.version = this.version;
    p.chunk = 0;
    this.reader.reset(buf, this.start + total - remaining, this.start + total);
    rc = decodeBody(this.reader, p);
    this.pending = total;
    return rc < 0 ? rc : total;
  }

  private release(): void {
    this.start += this.pending;
    this.pending = 0;
    if (this.start === this.fill) {
      this.start = 0;
      this.fill = 0;
    }
  }

  private compact(): void {
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
    // A head (topic, properties) that does not fit in the whole buffer cannot be delivered.
    if (rc < 0) return r.err !== 0 ? -ReasonCode.PacketTooLarge : rc;
    const chunk = this.fill - r.pos;
    this.streamTotal = total - r.pos;
    this.streamLeft = this.streamTotal - chunk;
    p.payload = this.buf;
    p.payloadOff = r.pos;
    p.payloadLen = chunk;
    p.chunk = 1;
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
    p.chunk = 2;
    p.streamTotal = this.streamTotal;
    p.streamOffset = this.streamTotal - this.streamLeft;
    this.streamLeft -= n;
    this.pending = n;
    return n;
  }
}
