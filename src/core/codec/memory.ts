// One ArrayBuffer for the many small typed arrays of a session: in XS a typed array over an
// ArrayBuffer of its own costs 7 heap slots, a view over a shared one 4 (measured in XS 13.3).
// Capacities are fixed at construction, so a session sizes one block for all of its tables
// (each record says what it needs through its *Memory function) and takes views from it.

/** Bytes a view of n elements of `size` bytes takes in a Memory: every view starts 8-byte aligned. */
export function viewBytes(n: number, size: number): number {
  return (n * size + 7) & ~7;
}

export class Memory {
  buf: ArrayBuffer;
  used: number;

  constructor(bytes: number) {
    this.buf = new ArrayBuffer(bytes);
    this.used = 0;
  }

  /**
   * Reserves a view's bytes: their offset. A block too small is a sizing mistake in a *Memory
   * function, never the caller's input: it throws rather than allocate behind the block's back.
   */
  /* cold */
  take(n: number, size: number): number {
    const bytes = viewBytes(n, size);
    if (this.used + bytes > this.buf.byteLength) throw new RangeError('Memory block too small: a *Memory function under-counts');
    const at = this.used;
    this.used += bytes;
    return at;
  }
}

// Views from mem, or arrays of their own when mem is null (a record made on its own).
// A table of no entries is one shared empty array, which costs nothing per record. It is never
// written: on a device a preloaded module's typed arrays are frozen, and XS refuses even fill()
// or set() of nothing on one ("read-only buffer"), so a caller guards such calls with the length.
const NONE_U8 = new Uint8Array(0);
const NONE_U16 = new Uint16Array(0);
const NONE_I32 = new Int32Array(0);
const NONE_F64 = new Float64Array(0);

/* cold */
export function u8(mem: Memory | null, n: number): Uint8Array {
  if (n === 0) return NONE_U8;
  return mem !== null ? new Uint8Array(mem.buf, mem.take(n, 1), n) : new Uint8Array(n);
}

/* cold */
export function u16(mem: Memory | null, n: number): Uint16Array {
  if (n === 0) return NONE_U16;
  return mem !== null ? new Uint16Array(mem.buf, mem.take(n, 2), n) : new Uint16Array(n);
}

/* cold */
export function i32(mem: Memory | null, n: number): Int32Array {
  if (n === 0) return NONE_I32;
  return mem !== null ? new Int32Array(mem.buf, mem.take(n, 4), n) : new Int32Array(n);
}

/* cold */
export function f64(mem: Memory | null, n: number): Float64Array {
  if (n === 0) return NONE_F64;
  return mem !== null ? new Float64Array(mem.buf, mem.take(n, 8), n) : new Float64Array(n);
}
