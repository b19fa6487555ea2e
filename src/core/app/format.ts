// ASCII formatting and parsing into caller-owned buffers, with no strings on the hot path.

/** Writes the decimal digits of integer n at buf[off]: the offset after them (or -1 if it does not fit). */
export function writeInt(buf: Uint8Array, off: number, n: number): number {
  n = Math.trunc(n);
  if (n < 0) {
    if (off >= buf.length) return -1;
    buf[off++] = 0x2d;
    n = -n;
  }
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  if (off + digits > buf.length) return -1;
  for (let i = digits - 1; i >= 0; i--) {
    buf[off + i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return off + digits;
}

/** Writes hundredths as a decimal with two places (2153 -> "21.53"). */
export function writeCenti(buf: Uint8Array, off: number, centi: number): number {
  let v = Math.trunc(centi);
  if (v < 0) {
    if (off >= buf.length) return -1;
    buf[off++] = 0x2d;
    v = -v;
  }
  off = writeInt(buf, off, Math.floor(v / 100));
  if (off < 0 || off + 3 > buf.length) return -1;
  const frac = v % 100;
  buf[off] = 0x2e;
  buf[off + 1] = 0x30 + Math.floor(frac / 10);
  buf[off + 2] = 0x30 + (frac % 10);
  return off + 3;
}

/** Copies src[0, len) to buf[off]: the offset after it, or -1. */
export function writeBytes(buf: Uint8Array, off: number, src: Uint8Array, len: number): number {
  if (off + len > buf.length) return -1;
  for (let i = 0; i < len; i++) buf[off + i] = src[i];
  return off + len;
}

/** True when buf[off, off+len) starts with word (ASCII bytes). */
export function startsWith(buf: Uint8Array, off: number, len: number, word: Uint8Array): boolean {
  if (len < word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[off + i] !== word[i]) return false;
  return true;
}

/** True when buf[off, off+len) equals word. */
export function equalBytes(buf: Uint8Array, off: number, len: number, word: Uint8Array, wordOff: number, wordLen: number): boolean {
  if (len !== wordLen) return false;
  for (let i = 0; i < len; i++) if (buf[off + i] !== word[wordOff + i]) return false;
  return true;
}

/** A non-negative decimal integer in buf[off, off+len) (spaces skipped before it), or -1. */
export function parseUint(buf: Uint8Array, off: number, len: number): number {
  let i = off;
  const end = off + len;
  while (i < end && buf[i] === 0x20) i++;
  if (i >= end) return -1;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
    if (n > 0x7fffffff) return -1;
  }
  return n;
}
