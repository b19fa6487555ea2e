// A fixed byte arena with numbered slots: each slot holds one run of bytes, placed at the end
// and compacted (in place, copyWithin) when the free space is fragmented. Nothing grows.
import { i32, Memory, u8, viewBytes } from '../codec/memory.js';

/** What a ByteArena takes from a Memory. */
export function arenaMemory(capacity: number, slots: number): number {
  return viewBytes(capacity, 1) + viewBytes(2 * slots, 4);
}

export class ByteArena {
  bytes: Uint8Array;
  /** Number of slots. */
  slots: number;
  /** Offset of each slot's bytes at [2 * slot], their length at [2 * slot + 1] (-1: the slot holds nothing). One typed array, not two: each costs several XS heap slots. */
  r: Int32Array;
  /** End of the highest placed run. */
  used: number;
  /** Sum of the lengths of all placed runs. */
  live: number;

  constructor(capacity: number, slots: number, mem: Memory | null = null) {
    this.bytes = u8(mem, capacity);
    this.slots = slots;
    this.r = i32(mem, 2 * slots);
    for (let i = 0; i < slots; i++) this.r[2 * i + 1] = -1;
    this.used = 0;
    this.live = 0;
  }

  /** Offset of slot's bytes. */
  off(slot: number): number {
    return this.r[2 * slot];
  }

  /** Length of slot's bytes, -1 when it holds nothing. */
  len(slot: number): number {
    return this.r[2 * slot + 1];
  }

  /** Reserves n bytes for slot (which must be empty): their offset, or -1 when they cannot fit. */
  place(slot: number, n: number): number {
    if (this.live + n > this.bytes.length) return -1;
    if (this.used + n > this.bytes.length) this.compact();
    const at = this.used;
    this.r[2 * slot] = at;
    this.r[2 * slot + 1] = n;
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
    const n = this.len(slot);
    if (n < 0) return;
    const at = this.off(slot);
    this.r[2 * slot + 1] = -1;
    this.live -= n;
    if (at + n === this.used) this.used = at;
    if (this.live === 0) this.used = 0;
  }

  /** True when slot's bytes equal buf[off, off+len). */
  equals(slot: number, buf: Uint8Array, off: number, len: number): boolean {
    if (this.len(slot) !== len) return false;
    const b = this.bytes;
    const at = this.off(slot);
    for (let i = 0; i < len; i++) if (b[at + i] !== buf[off + i]) return false;
    return true;
  }

  /** Moves every run down to close the gaps, keeping their order. */
  compact(): void {
    const r = this.r;
    let cursor = 0;
    for (;;) {
      // The lowest run not yet moved starts at or after the cursor.
      let pick = -1;
      for (let s = 0; s < this.slots; s++) {
        if (r[2 * s + 1] < 0 || r[2 * s] < cursor) continue;
        if (pick < 0 || r[2 * s] < r[2 * pick]) pick = s;
      }
      if (pick < 0) break;
      const at = r[2 * pick];
      const n = r[2 * pick + 1];
      if (at !== cursor) {
        this.bytes.copyWithin(cursor, at, at + n);
        r[2 * pick] = cursor;
      }
      cursor += n;
      // A zero-length run at the cursor would be picked again: step past it.
      if (n === 0) r[2 * pick] = cursor - 1;
    }
    this.used = cursor;
  }
}
