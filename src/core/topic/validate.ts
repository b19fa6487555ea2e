// Topic names and topic filters (MQTT 5 section 4.7, 3.1.1 section 4.7), checked on UTF-8 bytes.
import { ReasonCode } from '../codec/constants.js';
import { validateUtf8 } from '../codec/utf8.js';

const SLASH = 0x2f;
const PLUS = 0x2b;
const HASH = 0x23;

/** 0 when the bytes are a valid topic name, else -TopicNameInvalid. UTF-8 is checked by the codec. */
export function validateTopicName(buf: Uint8Array, off: number, len: number): number {
  // MQTT-4.7.3-1: at least one character.
  if (len === 0) return -ReasonCode.TopicNameInvalid;
  for (let i = off; i < off + len; i++) {
    const c = buf[i];
    // MQTT-3.3.2-2, MQTT-4.7.1-1: no wildcard characters in a topic name.
    if (c === PLUS || c === HASH) return -ReasonCode.TopicNameInvalid;
  }
  return 0;
}

// Per byte value: 0 an ordinary ASCII character, 1 '+' or '#', 2 U+0000 or not ASCII.
const NAME_BYTE = new Uint8Array(256);
NAME_BYTE[0] = 2;
NAME_BYTE[PLUS] = 1;
NAME_BYTE[HASH] = 1;
for (let i = 0x80; i < 0x100; i++) NAME_BYTE[i] = 2;

/**
 * validateUtf8 and then validateTopicName in one pass over an ASCII topic (a PUBLISH topic is
 * checked once per received message): 0, -MalformedPacket (bad UTF-8, U+0000) or
 * -TopicNameInvalid (wildcard, empty), with the same precedence as the two calls.
 */
export function validateTopicNameUtf8(buf: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let wildcard = false;
  let i = off;
  // Four bytes a step (a quarter faster on V8 than one), then the rest one by one.
  while (i < end) {
    let k: number;
    if (i + 4 <= end) {
      k = NAME_BYTE[buf[i]] | NAME_BYTE[buf[i + 1]] | NAME_BYTE[buf[i + 2]] | NAME_BYTE[buf[i + 3]];
      i += 4;
    } else {
      k = NAME_BYTE[buf[i]];
      i++;
    }
    if (k === 0) continue;
    if (k === 1) {
      wildcard = true;
      continue;
    }
    // U+0000 or a multi-byte character: the general checks decide.
    if (validateUtf8(buf, off, len) < 0) return -ReasonCode.MalformedPacket;
    return validateTopicName(buf, off, len);
  }
  // MQTT-4.7.3-1 not empty; MQTT-3.3.2-2 no wildcards.
  return len === 0 || wildcard ? -ReasonCode.TopicNameInvalid : 0;
}

/** 0 when the bytes are a valid topic filter (shared subscriptions included), else -TopicFilterInvalid. */
export function validateTopicFilter(buf: Uint8Array, off: number, len: number): number {
  // MQTT-4.7.3-1: at least one character.
  if (len === 0) return -ReasonCode.TopicFilterInvalid;
  const end = off + len;
  let levelStart = off;
  for (let i = off; i < end; i++) {
    const c = buf[i];
    if (c === HASH) {
      // MQTT-4.7.1-2: '#' occupies a whole level and is the last character.
      if (i !== levelStart || i !== end - 1) return -ReasonCode.TopicFilterInvalid;
    } else if (c === PLUS) {
      // MQTT-4.7.1-3: '+' occupies a whole level.
      if (i !== levelStart || (i + 1 < end && buf[i + 1] !== SLASH)) return -ReasonCode.TopicFilterInvalid;
    } else if (c === SLASH) {
      levelStart = i + 1;
    }
  }
  if (isSharedFilter(buf, off, len)) {
    // MQTT 5 section 4.8.2: $share/{ShareName}/{filter}; the share name is non-empty and has no wildcards.
    const nameStart = off + 7;
    let i = nameStart;
    while (i < end && buf[i] !== SLASH) {
      if (buf[i] === PLUS || buf[i] === HASH) return -ReasonCode.TopicFilterInvalid;
      i++;
    }
    if (i === nameStart || i + 1 >= end) return -ReasonCode.TopicFilterInvalid;
  }
  return 0;
}

/** True when the filter begins with "$share/". */
export function isSharedFilter(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 7 && buf[off] === 0x24 && buf[off + 1] === 0x73 && buf[off + 2] === 0x68 && buf[off + 3] === 0x61 &&
    buf[off + 4] === 0x72 && buf[off + 5] === 0x65 && buf[off + 6] === SLASH;
}

/** Offset of the filter inside a shared subscription "$share/name/filter" (off itself when not shared). */
export function sharedFilterStart(buf: Uint8Array, off: number, len: number): number {
  if (!isSharedFilter(buf, off, len)) return off;
  let i = off + 7;
  while (i < off + len && buf[i] !== SLASH) i++;
  return i + 1;
}
