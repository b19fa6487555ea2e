// UTF-8 as MQTT requires it (MQTT-1.5.4-1..3, 3.1.1 MQTT-1.5.3-1..3): well-formed, no U+0000,
// no surrogates. The core keeps its own code: TextEncoder is not on every device.
import { ReasonCode } from './constants.js';

// 1 for the bytes that need a closer look (U+0000 and every non-ASCII byte), else 0.
const NOT_PLAIN = new Uint8Array(256);
NOT_PLAIN[0] = 1;
for (let b = 0x80; b < 0x100; b++) NOT_PLAIN[b] = 1;

/** 0 when buf[off, off+len) is a valid MQTT UTF-8 string, else -MalformedPacket. */
export function validateUtf8(buf: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let i = off;
  while (i < end) {
    // Four plain ASCII bytes a step while there are (the usual case), else one character.
    if (i + 4 <= end && (NOT_PLAIN[buf[i]] | NOT_PLAIN[buf[i + 1]] | NOT_PLAIN[buf[i + 2]] | NOT_PLAIN[buf[i + 3]]) === 0) {
      i += 4;
      continue;
    }
    const b = buf[i];
    if (b < 0x80) {
      // MQTT-1.5.4-2: the null character U+0000 is not allowed.
      if (b === 0) return -ReasonCode.MalformedPacket;
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) { need = 1; min = 0x80; cp = b & 0x1f; }
    else if (b >= 0xe0 && b <= 0xef) { need = 2; min = 0x800; cp = b & 0x0f; }
    else if (b >= 0xf0 && b <= 0xf4) { need = 3; min = 0x10000; cp = b & 0x07; }
    else return -ReasonCode.MalformedPacket;
    if (i + need >= end) return -ReasonCode.MalformedPacket;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if ((c & 0xc0) !== 0x80) return -ReasonCode.MalformedPacket;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, code points beyond U+10FFFF, and MQTT-1.5.4-1: no surrogates U+D800..U+DFFF.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -ReasonCode.MalformedPacket;
    i += need + 1;
  }
  return 0;
}

/** Bytes needed to hold s as UTF-8 (lone surrogates count as U+FFFD). */
/* cold */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Writes s as UTF-8 at off; returns the byte count, or -1 when out is too small. */
/* cold */
export function encodeUtf8(s: string, out: Uint8Array, off: number): number {
  let p = off;
  const cap = out.length;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) {
      if (p + 1 > cap) return -1;
      out[p++] = c;
    } else if (c < 0x800) {
      if (p + 2 > cap) return -1;
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      if (p + 3 > cap) return -1;
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      if (p + 4 > cap) return -1;
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - off;
}

/** The UTF-8 bytes as a string (invalid sequences become U+FFFD). For the API edge only. */
/* cold */
export function decodeUtf8(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  const end = off + len;
  let i = off;
  while (i < end) {
    const b = buf[i];
    let cp = 0xfffd;
    let n = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b <= 0xdf && i + 1 < end) { cp = ((b & 0x1f) << 6) | (buf[i + 1] & 0x3f); n = 2; }
    else if (b >= 0xe0 && b <= 0xef && i + 2 < end) { cp = ((b & 0x0f) << 12) | ((buf[i + 1] & 0x3f) << 6) | (buf[i + 2] & 0x3f); n = 3; }
    else if (b >= 0xf0 && b <= 0xf4 && i + 3 < end) {
      cp = ((b & 0x07) << 18) | ((buf[i + 1] & 0x3f) << 12) | ((buf[i + 2] & 0x3f) << 6) | (buf[i + 3] & 0x3f);
      n = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      s += String.fromCharCode(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      s += String.fromCharCode(cp);
    }
    i += n;
  }
  return s;
}
