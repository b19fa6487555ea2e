// A cursor over one received packet. Reads past the end, or malformed fields, record the first
// reason code in `err` instead of throwing; decoders check it at the points that matter.
import { ReasonCode } from './constants.js';
import { readVarint, varintSize } from './varint.js';
import { validateUtf8 } from './utf8.js';

const EMPTY = new Uint8Array(0);

// Reader.f: the cursor's numbers. In XS a property is a heap slot and a number in a typed
// array none, and an owner (the Framer) can lend the reader the first READER_INTS of its own.
const POS = 0;
const END = 1;
const ERR = 2;
const LEN = 3;
export const READER_INTS = 4;

export class Reader {
  buf: Uint8Array;
  /** pos, end, err and len, read and written through the accessors below. */
  f: Int32Array;

  /** f: READER_INTS (or more) ints to keep the numbers in; the reader makes its own when null. */
  constructor(f: Int32Array | null = null) {
    this.buf = EMPTY;
    this.f = f !== null ? f : new Int32Array(READER_INTS);
    this.f[POS] = 0;
    this.f[END] = 0;
    this.f[ERR] = 0;
    this.f[LEN] = 0;
  }

  get pos(): number { return this.f[POS]; }
  set pos(v: number) { this.f[POS] = v; }
  get end(): number { return this.f[END]; }
  set end(v: number) { this.f[END] = v; }
  /** 0, or the first reason code met (positive). */
  get err(): number { return this.f[ERR]; }
  set err(v: number) { this.f[ERR] = v; }
  /** The length of the last binary() or utf8() field. */
  get len(): number { return this.f[LEN]; }
  set len(v: number) { this.f[LEN] = v; }

  reset(buf: Uint8Array, pos: number, end: number): void {
    const f = this.f;
    this.buf = buf;
    f[POS] = pos;
    f[END] = end;
    f[ERR] = 0;
    f[LEN] = 0;
  }

  fail(code: number): number {
    const f = this.f;
    if (f[ERR] === 0) f[ERR] = code;
    f[POS] = f[END];
    return 0;
  }

  remaining(): number {
    return this.f[END] - this.f[POS];
  }

  u8(): number {
    const f = this.f;
    const p = f[POS];
    if (p + 1 > f[END]) return this.fail(ReasonCode.MalformedPacket);
    f[POS] = p + 1;
    return this.buf[p];
  }

  u16(): number {
    const f = this.f;
    const p = f[POS];
    if (p + 2 > f[END]) return this.fail(ReasonCode.MalformedPacket);
    const b = this.buf;
    f[POS] = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  u32(): number {
    const f = this.f;
    const p = f[POS];
    if (p + 4 > f[END]) return this.fail(ReasonCode.MalformedPacket);
    const b = this.buf;
    f[POS] = p + 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  varint(): number {
    // One byte is the usual case (property identifiers and most lengths).
    const f = this.f;
    const pos = f[POS];
    if (pos < f[END]) {
      const b = this.buf[pos];
      if (b < 0x80) {
        f[POS] = pos + 1;
        return b;
      }
    }
    const v = readVarint(this.buf, pos, f[END]);
    if (v < 0) return this.fail(ReasonCode.MalformedPacket);
    f[POS] = pos + varintSize(v);
    return v;
  }

  /** A two-byte length and that many bytes: returns their offset, the length in `len`. */
  binary(): number {
    const n = this.u16();
    const f = this.f;
    const off = f[POS];
    if (off + n > f[END]) {
      f[LEN] = 0;
      return this.fail(ReasonCode.MalformedPacket);
    }
    f[POS] = off + n;
    f[LEN] = n;
    return off;
  }

  /** As binary(), and the bytes must be valid MQTT UTF-8. */
  utf8(): number {
    const off = this.binary();
    const f = this.f;
    if (f[ERR] === 0 && validateUtf8(this.buf, off, f[LEN]) < 0) this.fail(ReasonCode.MalformedPacket);
    return off;
  }
}
