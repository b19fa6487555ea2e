// Byte mutations for MQTT inputs: the generic ones (bit flips, interesting bytes, insert,
import { varint } from '../codec/helpers/malformed-cases.js';
// delete, splice) and MQTT-aware ones (variable byte integer boundaries, 16-bit length fields,
// a remaining length made to fit again).

/** xorshift32: deterministic from a seed, so a run can be repeated. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) || 0x9e3779b9; }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [0, n). */
  below(n: number): number { return n <= 0 ? 0 : this.next() % n; }
  chance(oneIn: number): boolean { return this.below(oneIn) === 0; }
}

const BYTES = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0x10, 0x20, 0x30, 0x3f, 0x40, 0x62, 0x82, 0xa2, 0xc0, 0xe0, 0xf0,
  0x23, 0x26, 0x0b, 0x11, 0x15, 0x1f, 0x27, 0x2f, 0x2b, 0x24, 0xed, 0xc0, 0xf4];
// Variable byte integer boundaries (1.5.5): 127/128, 16383/16384, 2097151/2097152, the largest, and non-minimal forms.
const VARINTS = [[0x7f], [0x80, 0x01], [0xff, 0x7f], [0x80, 0x80, 0x01], [0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff, 0x01], [0x80, 0x00], [0x80, 0x80, 0x00], [0x00]];
const U16 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];


/** Where the packet starts whose remaining length runs past the input (or -1), walking the packets from `at`. */
function brokenPacket(b: number[], at: number): number {
  while (at < b.length) {
    let v = 0;
    let n = 1;
    for (let mult = 1; n < 5 && at + n < b.length; n++, mult *= 128) {
      v += (b[at + n] & 0x7f) * mult;
      if ((b[at + n] & 0x80) === 0) break;
    }
    const total = 1 + n + v;
    if (at + total > b.length) return at;
    at += total;
  }
  return -1;
}

/**
 * Rewrites the remaining length of the first packet that runs past the input to cover the rest
 * of it: most mutations break a length, and then only the framer's length check would ever run.
 */
function fixLength(b: number[], skip: number): void {
  const at = brokenPacket(b, skip);
  if (at < 0 || at + 1 >= b.length) return;
  let n = 1;
  while (n < 4 && at + n < b.length && (b[at + n] & 0x80) !== 0) n++;
  if (at + n >= b.length) return;
  const v = [...varint(b.length - (at + 1 + n))];
  b.splice(at + 1, n, ...v);
  // The new length's own size can change the body size by a byte or two: settle it.
  const v2 = [...varint(b.length - (at + 1 + v.length))];
  b.splice(at + 1, v.length, ...v2);
}

/** Mutates `input` (never changed) into a new input of at most maxLen bytes; `other` is another corpus entry to splice from. */
export function mutate(rng: Rng, input: Uint8Array, other: Uint8Array, maxLen: number, skip: number): Uint8Array {
  const b = Array.from(input);
  const rounds = 1 + rng.below(rng.chance(4) ? 8 : 3);
  for (let k = 0; k < rounds; k++) {
    const at = b.length > skip ? skip + rng.below(b.length - skip) : b.length;
    switch (rng.below(13)) {
      case 0: if (at < b.length) b[at] ^= 1 << rng.below(8); break;
      case 1: if (at < b.length) b[at] = BYTES[rng.below(BYTES.length)]; break;
      case 2: if (at < b.length) b[at] = rng.below(256); break;
      case 3: b.splice(at, 0, rng.below(256)); break;
      case 4: b.splice(at, 1 + rng.below(rng.chance(3) ? 32 : 4)); break;
      case 5: b.splice(at, 0, ...Array.from({ length: 1 + rng.below(16) }, () => BYTES[rng.below(BYTES.length)])); break;
      case 6: {
        // Replace a field with a variable byte integer at a boundary.
        const v = VARINTS[rng.below(VARINTS.length)];
        b.splice(at, rng.below(4), ...v);
        break;
      }
      case 7: {
        const v = U16[rng.below(U16.length)];
        if (at + 1 < b.length) { b[at] = v >> 8; b[at + 1] = v & 0xff; }
        break;
      }
      case 8: {
        // Splice: a piece of another input here.
        if (other.length === 0) break;
        const from = rng.below(other.length);
        const len = 1 + rng.below(Math.min(64, other.length - from));
        b.splice(at, rng.below(len + 1), ...other.subarray(from, from + len));
        break;
      }
      case 9: {
        // Copy a run of this input elsewhere in it (repeated fields, duplicated properties).
        if (b.length - skip < 2) break;
        const from = skip + rng.below(b.length - skip);
        const len = 1 + rng.below(Math.min(16, b.length - from));
        b.splice(at, 0, ...b.slice(from, from + len));
        break;
      }
      case 10: if (at < b.length) b[at] = (b[at] + (rng.chance(2) ? 1 : 255)) & 0xff; break;
      case 11: if (b.length > skip) fixLength(b, skip); break;
      default:
        // Append a whole other input (several packets in one stream).
        b.push(...other.subarray(skip));
        break;
    }
  }
  if (rng.chance(3) && b.length > skip) fixLength(b, skip);
  // The first `skip` bytes select options: changed now and then, never removed.
  if (skip > 0 && rng.chance(8)) b[rng.below(skip)] = rng.below(256);
  return Uint8Array.from(b.length > maxLen ? b.slice(0, maxLen) : b);
}
