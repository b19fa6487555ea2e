// Topic filter matching on UTF-8 bytes, without decoding to strings (MQTT 5 section 4.7).

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;
const DOLLAR = 0x24;

/** True when the topic name matches the (valid, non-shared) filter. */
export function matchFilter(fbuf: Uint8Array, foff: number, flen: number, tbuf: Uint8Array, toff: number, tlen: number): boolean {
  // MQTT-4.7.2-1: filters starting with a wildcard do not match topics starting with '$'.
  if (tlen > 0 && tbuf[toff] === DOLLAR && flen > 0 && (fbuf[foff] === PLUS || fbuf[foff] === HASH)) return false;
  const fend = foff + flen;
  const tend = toff + tlen;
  let f = foff;
  let t = toff;
  while (f < fend) {
    const c = fbuf[f];
    if (c === HASH) return true; // '#' matches the parent level and everything below (4.7.1.2)
    if (c === PLUS) {
      while (t < tend && tbuf[t] !== SLASH) t++;
      f++;
    } else {
      // Compare this level byte by byte.
      while (f < fend && fbuf[f] !== SLASH) {
        if (t >= tend || tbuf[t] !== fbuf[f]) return false;
        f++;
        t++;
      }
      if (t < tend && tbuf[t] !== SLASH) return false;
    }
    // Both at a level end: either both at a '/', or the filter ends.
    if (f < fend) {
      // fbuf[f] is '/'
      f++;
      if (t >= tend) {
        // "a/#" matches "a": the rest of the filter must be exactly "#".
        return f + 1 === fend && fbuf[f] === HASH;
      }
      t++; // tbuf[t] is '/'
      if (f === fend) return t === tend; // filter ends with '/', topic must too
    } else {
      return t === tend;
    }
  }
  return t === tend;
}
