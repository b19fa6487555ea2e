// Variable Byte Integers (MQTT 5 section 1.5.5, 3.1.1 section 2.2.3): 1 to 4 bytes, 7 bits each.
import { MAX_VARINT, ReasonCode } from './constants.js';

/** Returned by readVarint when the bytes so far are a valid prefix: wait for more. */
export const NEED_MORE = -1;

export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : 4;
}

/** Writes value (0..MAX_VARINT; the caller has checked) at pos; returns the position after it. */
export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  do {
    let byte = value & 0x7f;
    value = value >>> 7;
    if (value > 0) byte = byte | 0x80;
    out[pos++] = byte;
  } while (value > 0);
  return pos;
}

/**
 * Reads a variable byte integer at pos (bytes before end are available): the value, NEED_MORE
 * when it is cut short, or -MalformedPacket. Its length is varintSize(value), because
 * MQTT-1.5.5-1 requires the shortest encoding and a longer one is refused here.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let shift = 0;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) return NEED_MORE;
    const byte = buf[pos + i];
    value += (byte & 0x7f) * (1 << shift);
    if ((byte & 0x80) === 0) {
      // MQTT-1.5.5-1: a trailing zero continuation byte means the encoding was not minimal.
      if (i > 0 && byte === 0) return -ReasonCode.MalformedPacket;
      return value;
    }
    shift += 7;
  }
  // A fifth byte would be needed: more than 4 bytes is malformed (MQTT 5 section 1.5.5).
  return -ReasonCode.MalformedPacket;
}

export function isVarint(value: number): boolean {
  return value >= 0 && value <= MAX_VARINT && (value | 0) === value;
}
