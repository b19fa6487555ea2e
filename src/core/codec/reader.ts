// A cursor over one received packet. Reads past the end, or malformed fields, record the first
// reason code in `err` instead of throwing; decoders check it at the points that matter.
import { ReasonCode } from './constants.js';
import { readVarint, varintSize } from './varint.js';
import { validateUtf8 } from './utf8.js';

const EMPTY = new Uint8Array(0);

export class Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  /** 0, or the first reason code met (positive). */
  err: number;
  /** The length of the last binary() or utf8() field. */
  len: number;

  constructor() {
    this.buf = EMPTY;
    this.pos = 0;
    this.end = 0;
    this.err = 0;
    this.len = 0;
  }

  reset(buf: Uint8Array, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.err = 0;
    this.len = 0;
  }

  fail(code: number): number {
    if (this.err === 0) this.err = code;
    this.pos = this.end;
    return 0;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    if (this.pos + 1 > this.end) return this.fail(ReasonCode.MalformedPacket);
    return this.buf[this.pos++];
  }

  u16(): number {
    if (this.pos + 2 > this.end) return this.fail(ReasonCode.MalformedPacket);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u32(): number {
    if (this.pos + 4 > this.end) return this.fail(ReasonCode.MalformedPacket);
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  varint(): number {
    // One byte is the usual case (property identifiers and most lengths).
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    const v = readVarint(this.buf, this.pos, this.end);
    if (v < 0) return this.fail(ReasonCode.MalformedPacket);
    this.pos += varintSize(v);
    return v;
  }

  /** A two-byte length and that many bytes: returns their offset, the length in `len`. */
  binary(): number {
    const n = this.u16();
    if (this.pos + n > this.end) {
      this.len = 0;
      return this.fail(ReasonCode.MalformedPacket);
    }
    const off = this.pos;
    this.pos = off + n;
    this.len = n;
    return off;
  }

  /** As binary(), and the bytes must be valid MQTT UTF-8. */
  utf8(): number {
    const off = this.binary();
    if (this.err === 0 && validateUtf8(this.buf, off, this.len) < 0) this.fail(ReasonCode.MalformedPacket);
    return off;
  }
}
