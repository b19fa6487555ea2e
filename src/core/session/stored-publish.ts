// A stored PUBLISH (encoded once, when published) written to the send buffer: copied and
// patched where it changes per transmission (DUP, packet id, the expiry left, a topic alias),
// never decoded and encoded again. Its layout comes from a minimal parse of the stored bytes,
// which the session encoded itself (well formed): the fixed header's varint, the topic length
// and, in MQTT 5, the property length and identifiers. These run under transmit on the send
// path: helpers are leaves and the writers end in tail calls (stack depth on XS: the driver's header).
import { PropertyId } from '../codec/constants.js';
import { PropType, PROPERTY_TYPE } from '../codec/properties.js';
import { varintSize, writeVarint } from '../codec/varint.js';

/** writeStoredPublish's flags, above the packet id. */
export const PATCH_DUP = 0x10000;
/** The topic is left out: a Topic Alias the server knows stands for it (section 3.3.2.3.4). */
export const PATCH_NO_TOPIC = 0x20000;

/** Reads a varint at pos (well formed): its value. Its size is varintSize(value). */
function readLength(buf: Uint8Array, pos: number): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 4; i++) {
    const c = buf[pos + i];
    v += (c & 0x7f) * mul;
    mul *= 128;
    if ((c & 0x80) === 0) break;
  }
  return v;
}

/** Index of the topic's length field in the stored PUBLISH at src[off] (past the fixed header). */
export function storedTopicAt(src: Uint8Array, off: number): number {
  let i = off + 1;
  while ((src[i] & 0x80) !== 0) i++;
  return i + 1;
}

/** Payload bytes of the packet that follow the stored head src[off, off+len) (a streamed message keeps its head only). */
export function storedPayloadLeft(src: Uint8Array, off: number, len: number): number {
  const remaining = readLength(src, off + 1);
  return remaining - (len - 1 - varintSize(remaining));
}

/** Index of the property length of the MQTT 5 PUBLISH at buf[off] (after the packet id when qos > 0). */
function propsAt(buf: Uint8Array, off: number, qos: number): number {
  let t = off + 1;
  while ((buf[t] & 0x80) !== 0) t++;
  t++;
  return t + 2 + ((buf[t] << 8) | buf[t + 1]) + (qos > 0 ? 2 : 0);
}

/**
 * Index of the first property of the block whose length field is at buf[at] with an identifier
 * of id or more (properties are written in ascending order), or the block's end.
 */
function propertyFrom(buf: Uint8Array, at: number, id: number): number {
  let size = 0;
  let mul = 1;
  let pos = at;
  for (;;) {
    const c = buf[pos++];
    size += (c & 0x7f) * mul;
    mul *= 128;
    if ((c & 0x80) === 0) break;
  }
  const end = pos + size;
  while (pos < end) {
    const p = buf[pos];
    if (p >= id) return pos;
    const type = PROPERTY_TYPE[p];
    pos++;
    if (type === PropType.Byte) pos += 1;
    else if (type === PropType.TwoByte) pos += 2;
    else if (type === PropType.FourByte) pos += 4;
    else if (type === PropType.Varint) {
      while ((buf[pos] & 0x80) !== 0) pos++;
      pos++;
    } else pos += 2 + ((buf[pos] << 8) | buf[pos + 1]);
  }
  return end;
}

/** Index of the Message Expiry Interval's value in the MQTT 5 PUBLISH at buf[off], or -1. */
function expiryAt(buf: Uint8Array, off: number, qos: number): number {
  const at = propsAt(buf, off, qos);
  const size = readLength(buf, at);
  const i = propertyFrom(buf, at, PropertyId.MessageExpiryInterval);
  return i < at + varintSize(size) + size && buf[i] === PropertyId.MessageExpiryInterval ? i + 1 : -1;
}

/** The Message Expiry Interval the stored MQTT 5 PUBLISH src[off...] was published with (seconds), or -1. */
export function storedExpiry(src: Uint8Array, off: number, qos: number): number {
  const i = expiryAt(src, off, qos);
  return i < 0 ? -1 : src[i] * 0x1000000 + ((src[i + 1] << 16) | (src[i + 2] << 8) | src[i + 3]);
}

/** Remaining Length of the stored MQTT 5 PUBLISH at src[off] with a Topic Alias property added (and no topic with PATCH_NO_TOPIC). */
function aliasedRemaining(src: Uint8Array, off: number, qos: number, patch: number): number {
  const size = readLength(src, propsAt(src, off, qos));
  const t = storedTopicAt(src, off);
  return readLength(src, off + 1) + 3 + varintSize(size + 3) - varintSize(size) -
    ((patch & PATCH_NO_TOPIC) !== 0 ? (src[t] << 8) | src[t + 1] : 0);
}

/** The size of what writeStoredPublish writes for the stored PUBLISH src[off, off+len). */
export function storedPublishSize(src: Uint8Array, off: number, len: number, qos: number, patch: number, alias: number): number {
  if (alias === 0) return len;
  const remaining = aliasedRemaining(src, off, qos, patch);
  return 1 + varintSize(remaining) + remaining;
}

/**
 * Writes the stored PUBLISH src[off, off+len) of this QoS at out[pos] (room checked by the
 * caller) with the patches: the packet id (low 16 bits of patch, written when qos > 0),
 * PATCH_DUP, the Message Expiry Interval (-1: the stored one) and, in MQTT 5, a Topic Alias
 * (0: none) with or without the topic (PATCH_NO_TOPIC). Returns storedPublishSize(...).
 */
export function writeStoredPublish(src: Uint8Array, off: number, len: number, qos: number, out: Uint8Array, pos: number, patch: number, expiry: number, alias: number): number {
  if (alias !== 0) return writeAliased(src, off, len, qos, out, pos, patch, expiry, alias);
  for (let i = 0; i < len; i++) out[pos + i] = src[off + i];
  return patchPublish(out, pos, len, qos, patch, expiry);
}

/** writeStoredPublish with a Topic Alias: a new fixed header, topic and property length around the stored pieces. */
function writeAliased(src: Uint8Array, off: number, len: number, qos: number, out: Uint8Array, pos: number, patch: number, expiry: number, alias: number): number {
  const start = pos;
  const props = propsAt(src, off, qos);
  const aliasAt = propertyFrom(src, props, PropertyId.TopicAlias + 1);
  out[pos] = src[off];
  pos = writeVarint(out, pos + 1, aliasedRemaining(src, off, qos, patch));
  // The topic (its length 0 when left out) and the packet id.
  let i = storedTopicAt(src, off);
  if ((patch & PATCH_NO_TOPIC) !== 0) {
    i += 2 + ((src[i] << 8) | src[i + 1]);
    out[pos++] = 0;
    out[pos++] = 0;
  }
  while (i < props) out[pos++] = src[i++];
  const size = readLength(src, props);
  pos = writeVarint(out, pos, size + 3);
  i = props + varintSize(size);
  while (i < aliasAt) out[pos++] = src[i++];
  out[pos] = PropertyId.TopicAlias;
  out[pos + 1] = alias >> 8;
  out[pos + 2] = alias & 0xff;
  pos += 3;
  const end = off + len;
  while (i < end) out[pos++] = src[i++];
  return patchPublish(out, start, pos - start, qos, patch, expiry);
}

/** Sets DUP, the packet id and the expiry in the PUBLISH of n bytes at out[start]: n. */
function patchPublish(out: Uint8Array, start: number, n: number, qos: number, patch: number, expiry: number): number {
  if ((patch & PATCH_DUP) !== 0) out[start] |= 0x08;
  if (qos > 0) {
    const id = propsAt(out, start, 0);
    out[id] = (patch >> 8) & 0xff;
    out[id + 1] = patch & 0xff;
  }
  if (expiry < 0) return n;
  const e = expiryAt(out, start, qos);
  if (e >= 0) {
    out[e] = expiry >>> 24;
    out[e + 1] = (expiry >>> 16) & 0xff;
    out[e + 2] = (expiry >>> 8) & 0xff;
    out[e + 3] = expiry & 0xff;
  }
  return n;
}
