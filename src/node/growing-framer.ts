// The Node client's framer: its receive buffer grows for a packet larger than the buffer, as the
// packet's bytes arrive (never from the length the peer claims), up to the Maximum Packet Size
// the client advertised; and it goes back to its first buffer once that packet is consumed.
import { Framer } from '../core/codec/framer.js';
import type { Packet } from '../core/codec/packet.js';

export class GrowingFramer extends Framer {
  /** The buffer it starts with and returns to. */
  private readonly home: Uint8Array;

  /** Takes over `from`'s buffer and settings (the session's own framer). */
  constructor(from: Framer) {
    super(0);
    this.home = from.buf;
    this.buf = from.buf;
    this.version = from.version;
    this.streaming = from.streaming;
    this.maxPacketSize = from.maxPacketSize;
  }

  override reset(): void {
    super.reset();
    // Called by the base constructor too, before home is set.
    if (this.home !== undefined) this.buf = this.home;
  }

  override next(p: Packet): number {
    if (this.buf !== this.home) this.shrink();
    return super.next(p);
  }

  protected override grow(total: number): boolean {
    if (total > this.maxPacketSize) return false;
    if (this.start > 0) this.compact();
    // Room is left for bytes still to come: nothing to allocate yet.
    if (this.fill < this.buf.length) return true;
    let size = this.buf.length * 2;
    if (size > total) size = total;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.fill));
    this.buf = bigger;
    return true;
  }

  /** Back to the first buffer once what is left unread fits in it. */
  private shrink(): void {
    this.release();
    const left = this.fill - this.start;
    // A packet still arriving (it filled the buffer before it grew) keeps the bigger buffer.
    if (left >= this.home.length) return;
    this.home.set(this.buf.subarray(this.start, this.fill));
    this.buf = this.home;
    this.start = 0;
    this.fill = left;
  }
}
