// Writes into a caller-owned buffer at a position and returns the position after. Callers
// size the packet first and check the space once, so these do no bounds checks of their own.
import { MAX_VARINT, ReasonCode } from './constants.js';
import { varintSize, writeVarint } from './varint.js';

export function writeU16(out: Uint8Array, pos: number, v: number): number {
  out[pos] = (v >>> 8) & 0xff;
  out[pos + 1] = v & 0xff;
  return pos + 2;
}

export function writeU32(out: Uint8Array, pos: number, v: number): number {
  out[pos] = (v >>> 24) & 0xff;
  out[pos + 1] = (v >>> 16) & 0xff;
  out[pos + 2] = (v >>> 8) & 0xff;
  out[pos + 3] = v & 0xff;
  return pos + 4;
}

/** A two-byte length and the bytes (a UTF-8 string or binary data). */
export function writeLengthPrefixed(out: Uint8Array, pos: number, src: Uint8Array, off: number, len: number): number {
  // The length written here and writeRaw a tail call: one frame on XS, not three (the driver's header).
  out[pos] = (len >>> 8) & 0xff;
  out[pos + 1] = len & 0xff;
  return writeRaw(out, pos + 2, src, off, len);
}

export function writeRaw(out: Uint8Array, pos: number, src: Uint8Array, off: number, len: number): number {
  // set(subarray) would allocate a view per call; set(src) copies a whole array without one
  // (a native copy: 0 slots in XS too), so it takes the common case of a payload that is its
  // own array. copyWithin only helps when src is out itself; otherwise a byte loop.
  if (src === out) {
    out.copyWithin(pos, off, off + len);
    return pos + len;
  }
  if (len > 16 && off === 0 && len === src.length) {
    out.set(src, pos);
    return pos + len;
  }
  for (let i = 0; i < len; i++) out[pos + i] = src[off + i];
  return pos + len;
}

/** Fixed header: type and flags, then the remaining length. */
export function writeFixedHeader(out: Uint8Array, pos: number, first: number, remaining: number): number {
  out[pos] = first;
  return writeVarint(out, pos + 1, remaining);
}

/** Total size of a packet whose remaining length is `remaining`. */
export function packetSize(remaining: number): number {
  return 1 + varintSize(remaining) + remaining;
}

/**
 * Checks that a packet with this remaining length fits in out from off, and writes its fixed
 * header: the position after it, or -PacketTooLarge (0x95) when it would not fit.
 */
export function beginPacket(out: Uint8Array, off: number, first: number, remaining: number): number {
  return beginPacketPart(out, off, first, remaining, remaining);
}

/** As beginPacket, when only `written` bytes of the remaining length will be written to out. */
export function beginPacketPart(out: Uint8Array, off: number, first: number, remaining: number, written: number): number {
  if (remaining > MAX_VARINT) return -ReasonCode.PacketTooLarge;
  if (off + 1 + varintSize(remaining) + written > out.length) return -ReasonCode.PacketTooLarge;
  return writeFixedHeader(out, off, first, remaining);
}
