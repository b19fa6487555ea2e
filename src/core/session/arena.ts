// A fixed byte arena with numbered slots: each slot holds one run of bytes, placed at the end
// and compacted (in place, copyWithin) when the free space is fragmented. Nothing grows.
import { i32, Memory, u8, viewBytes } from '../codec/memory.js';

// Layout of ByteArena.r: the arena's numbers (in XS a number in a typed array costs no heap
// slot, a property one), then each slot's offset and length, then ints left to the owner.
/** Index of the slot count in ByteArena.r: owners on deep paths read it directly (stack depth on XS). */
export const ARENA_SLOTS = 0;
const SLOTS = ARENA_SLOTS;
const USED = 1;
const LIVE = 2;
/** Not used by the arena: the owner may keep one number here (it would be alignment padding). */
export const ARENA_SPARE = 3;
/** Where the slots' offsets and lengths start in ByteArena.r (offset at RUNS + 2 * slot, length after it). */
export const ARENA_RUNS = 4;
const RUNS = ARENA_RUNS;

/** Where the owner's ints start in ByteArena.r. */
export function arenaInts(slots: number): number {
  return RUNS + 2 * slots;
}

/** What a ByteArena takes from a Memory (with `extra` ints for its owner in r). */
export function arenaMemory(capacity: number, slots: number, extra: number = 0): number {
  return viewBytes(capacity, 1) + viewBytes(slots > 0 ? arenaInts(slots) + extra : 0, 4);
}

export class ByteArena {
  bytes: Uint8Array;
  /**
   * The slot count, end of the highest placed run and sum of the lengths of all placed runs;
   * then each slot's offset at [4 + 2 * slot] and length at [5 + 2 * slot] (-1: the slot holds
   * nothing); then the owner's `extra` ints. Empty (shared, never written) when there are no slots.
   */
  r: Int32Array;

  constructor(capacity: number, slots: number, mem: Memory | null = null, extra: number = 0) {
    this.bytes = u8(mem, capacity);
    this.r = i32(mem, slots > 0 ? arenaInts(slots) + extra : 0);
    if (slots > 0) {
      this.r[SLOTS] = slots;
      for (let i = 0; i < slots; i++) this.r[RUNS + 2 * i + 1] = -1;
    }
  }

  /** Number of slots. */
  get slots(): number { return this.r[SLOTS] | 0; }
  /** End of the highest placed run. */
  get used(): number { return this.r[USED] | 0; }
  /** Sum of the lengths of all placed runs. */
  get live(): number { return this.r[LIVE] | 0; }

  /** Offset of slot's bytes. */
  off(slot: number): number {
    return this.r[RUNS + 2 * slot];
  }

  /** Length of slot's bytes, -1 when it holds nothing. */
  len(slot: number): number {
    return this.r[RUNS + 2 * slot + 1];
  }

  /** Reserves n bytes for slot (which must be empty): their offset, or -1 when they cannot fit. */
  place(slot: number, n: number): number {
    const r = this.r;
    if (r[LIVE] + n > this.bytes.length) return -1;
    if (r[USED] + n > this.bytes.length) this.compact();
    const at = r[USED];
    r[RUNS + 2 * slot] = at;
    r[RUNS + 2 * slot + 1] = n;
    r[USED] = at + n;
    r[LIVE] += n;
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
    const r = this.r;
    const n = this.len(slot);
    if (n < 0) return;
    const at = this.off(slot);
    r[RUNS + 2 * slot + 1] = -1;
    r[LIVE] -= n;
    if (at + n === r[USED]) r[USED] = at;
    if (r[LIVE] === 0) r[USED] = 0;
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
    const slots = this.slots;
    let cursor = 0;
    for (;;) {
      // The lowest run not yet moved starts at or after the cursor.
      let pick = -1;
      for (let s = 0; s < slots; s++) {
        const o = RUNS + 2 * s;
        if (r[o + 1] < 0 || r[o] < cursor) continue;
        if (pick < 0 || r[o] < r[RUNS + 2 * pick]) pick = s;
      }
      if (pick < 0) break;
      const o = RUNS + 2 * pick;
      const at = r[o];
      const n = r[o + 1];
      if (at !== cursor) {
        this.bytes.copyWithin(cursor, at, at + n);
        r[o] = cursor;
      }
      cursor += n;
      // A zero-length run at the cursor would be picked again: step past it.
      if (n === 0) r[o] = cursor - 1;
    }
    if (slots > 0) r[USED] = cursor;
  }
}
