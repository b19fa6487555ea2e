// A fixed byte arena with numbered slots: each slot holds one run of bytes, placed at the end
// and compacted (in place, copyWithin) when the free space is fragmented. Nothing grows.

export class ByteArena {
  bytes: Uint8Array;
  /** Offset of each slot's bytes, and their length (-1: the slot holds nothing). */
  off: Int32Array;
  len: Int32Array;
  /** End of the highest placed run. */
  used: number;
  /** Sum of the lengths of all placed runs. */
  live: number;

  constructor(capacity: number, slots: number) {
    this.bytes = new Uint8Array(capacity);
    this.off = new Int32Array(slots);
    this.len = new Int32Array(slots).fill(-1);
    this.used = 0;
    this.live = 0;
  }

  /** Reserves n bytes for slot (which must be empty): their offset, or -1 when they cannot fit. */
  place(slot: number, n: number): number {
    if (this.live + n > this.bytes.length) return -1;
    if (this.used + n > this.bytes.length) this.compact();
    const at = this.used;
    this.off[slot] = at;
    this.len[slot] = n;
    this.used = at + n;
    this.live += n;
    return at;
  }

  /** place() and a copy of buf[off, off+len) there; false when it cannot fit. */
  put(slot: number, buf: Uint8Array, off: number, len: number): boolean {
    const at = this.place(slot, len);
    if (at < 0) return false;
    const b = this.bytes;
    for (let i = 0; i < len; i++) b[at + i] = buf[off + i];
    return true;
  }

  release(slot: number): void {
    const n = this.len[slot];
    if (n < 0) return;
    this.len[slot] = -1;
    this.live -= n;
    if (this.off[slot] + n === this.used) this.used = this.off[slot];
    if (this.live === 0) this.used = 0;
  }

  /** True when slot's bytes equal buf[off, off+len). */
  equals(slot: number, buf: Uint8Array, off: number, len: number): boolean {
    if (this.len[slot] !== len) return false;
    const b = this.bytes;
    const at = this.off[slot];
    for (let i = 0; i < len; i++) if (b[at + i] !== buf[off + i]) return false;
    return true;
  }

  /** Moves every run down to close the gaps, keeping their order. */
  compact(): void {
    const off = this.off;
    const len = this.len;
    let cursor = 0;
    for (;;) {
      // The lowest run not yet moved starts at or after the cursor.
      let pick = -1;
      for (let s = 0; s < off.length; s++) {
        if (len[s] < 0 || off[s] < cursor) continue;
        if (pick < 0 || off[s] < off[pick]) pick = s;
      }
      if (pick < 0) break;
      if (off[pick] !== cursor) {
        this.bytes.copyWithin(cursor, off[pick], off[pick] + len[pick]);
        off[pick] = cursor;
      }
      cursor += len[pick];
      // A zero-length run at the cursor would be picked again: step past it.
      if (len[pick] === 0) off[pick] = cursor - 1;
    }
    this.used = cursor;
  }
}
