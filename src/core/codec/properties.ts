// MQTT 5 properties (section 2.2.2): one table says each property's type, which packets may
// carry it, and whether it may repeat; one reused record holds a packet's properties.
import { PacketType, PropertyId, ReasonCode } from './constants.js';
import { Reader } from './reader.js';
import { isVarint, varintSize, writeVarint } from './varint.js';
import { writeLengthPrefixed, writeU16, writeU32 } from './writer.js';
import { i32, Memory, viewBytes } from './memory.js';

export const enum PropType {
  Byte = 1,
  TwoByte = 2,
  FourByte = 3,
  Varint = 4,
  Utf8 = 5,
  Binary = 6,
  Pair = 7,
}

/** Bit for the will properties of CONNECT in a "which packets" mask; packet types use 1 << type. */
export const WILL_PROPERTIES = 1;

const CONNECT = 1 << PacketType.Connect;
const CONNACK = 1 << PacketType.Connack;
const PUBLISH = 1 << PacketType.Publish;
const PUBACKS = (1 << PacketType.Puback) | (1 << PacketType.Pubrec) | (1 << PacketType.Pubrel) | (1 << PacketType.Pubcomp);
const SUBSCRIBE = 1 << PacketType.Subscribe;
const SUBACKS = (1 << PacketType.Suback) | (1 << PacketType.Unsuback);
const UNSUBSCRIBE = 1 << PacketType.Unsubscribe;
const DISCONNECT = 1 << PacketType.Disconnect;
const AUTH = 1 << PacketType.Auth;
const MESSAGE = PUBLISH | WILL_PROPERTIES;

/** Highest property identifier + 1: the size of the per-id tables. */
export const PROPERTY_SLOTS = 0x2b;

// Per identifier: [id, type, packets]. Read once at load into the typed tables below.
const SPEC = [
  PropertyId.PayloadFormatIndicator, PropType.Byte, MESSAGE,
  PropertyId.MessageExpiryInterval, PropType.FourByte, MESSAGE,
  PropertyId.ContentType, PropType.Utf8, MESSAGE,
  PropertyId.ResponseTopic, PropType.Utf8, MESSAGE,
  PropertyId.CorrelationData, PropType.Binary, MESSAGE,
  PropertyId.SubscriptionIdentifier, PropType.Varint, PUBLISH | SUBSCRIBE,
  PropertyId.SessionExpiryInterval, PropType.FourByte, CONNECT | CONNACK | DISCONNECT,
  PropertyId.AssignedClientIdentifier, PropType.Utf8, CONNACK,
  PropertyId.ServerKeepAlive, PropType.TwoByte, CONNACK,
  PropertyId.AuthenticationMethod, PropType.Utf8, CONNECT | CONNACK | AUTH,
  PropertyId.AuthenticationData, PropType.Binary, CONNECT | CONNACK | AUTH,
  PropertyId.RequestProblemInformation, PropType.Byte, CONNECT,
  PropertyId.WillDelayInterval, PropType.FourByte, WILL_PROPERTIES,
  PropertyId.RequestResponseInformation, PropType.Byte, CONNECT,
  PropertyId.ResponseInformation, PropType.Utf8, CONNACK,
  PropertyId.ServerReference, PropType.Utf8, CONNACK | DISCONNECT,
  PropertyId.ReasonString, PropType.Utf8, CONNACK | PUBACKS | SUBACKS | DISCONNECT | AUTH,
  PropertyId.ReceiveMaximum, PropType.TwoByte, CONNECT | CONNACK,
  PropertyId.TopicAliasMaximum, PropType.TwoByte, CONNECT | CONNACK,
  PropertyId.TopicAlias, PropType.TwoByte, PUBLISH,
  PropertyId.MaximumQos, PropType.Byte, CONNACK,
  PropertyId.RetainAvailable, PropType.Byte, CONNACK,
  PropertyId.UserProperty, PropType.Pair, CONNECT | CONNACK | MESSAGE | PUBACKS | SUBSCRIBE | SUBACKS | UNSUBSCRIBE | DISCONNECT | AUTH,
  PropertyId.MaximumPacketSize, PropType.FourByte, CONNECT | CONNACK,
  PropertyId.WildcardSubscriptionAvailable, PropType.Byte, CONNACK,
  PropertyId.SubscriptionIdentifierAvailable, PropType.Byte, CONNACK,
  PropertyId.SharedSubscriptionAvailable, PropType.Byte, CONNACK,
];

export const PROPERTY_TYPE = new Uint8Array(PROPERTY_SLOTS);
export const PROPERTY_PACKETS = new Uint32Array(PROPERTY_SLOTS);
/** Bit index of each identifier in Properties.present (0xff: not a property). */
const PROPERTY_BIT = new Uint8Array(PROPERTY_SLOTS).fill(0xff);
/**
 * Dense index of each identifier among its kind: number properties 0..NUMBER_COUNT-1, string
 * and binary ones 0..BYTES_COUNT-1 (see indexBytes; NUMBER_COUNT for user properties,
 * subscription identifiers and unknown ids: a spare number entry that stays 0).
 */
const PROPERTY_INDEX = new Uint8Array(PROPERTY_SLOTS);
/** Identifiers in wire order (ascending), for encoding. */
export const PROPERTY_IDS = new Uint8Array(SPEC.length / 3);
for (let i = 0; i < SPEC.length; i += 3) {
  const id = SPEC[i];
  PROPERTY_TYPE[id] = SPEC[i + 1];
  PROPERTY_PACKETS[id] = SPEC[i + 2];
  PROPERTY_BIT[id] = i / 3;
  PROPERTY_IDS[i / 3] = id;
}

function isBytesType(type: number): boolean {
  return type === PropType.Utf8 || type === PropType.Binary;
}

function isNumberProperty(id: number): boolean {
  const type = PROPERTY_TYPE[id];
  return type !== 0 && type !== PropType.Pair && !isBytesType(type) && id !== PropertyId.SubscriptionIdentifier;
}

/* cold */
function indexNumbers(): number {
  let n = 0;
  for (let id = 0; id < PROPERTY_SLOTS; id++) if (isNumberProperty(id)) PROPERTY_INDEX[id] = n++;
  return n;
}

/**
 * String and binary properties that no packet carries together share an entry (ContentType
 * and AssignedClientIdentifier, say): each gets the lowest entry not taken by one that may
 * appear in the same packet. Decoding rejects a property the packet may not carry before
 * storing it, and encoding such a record fails, so a shared entry never holds two values.
 */
/* cold */
function indexBytes(): number {
  let n = 0;
  for (let id = 0; id < PROPERTY_SLOTS; id++) {
    if (!isBytesType(PROPERTY_TYPE[id])) continue;
    let k = 0;
    for (let other = 0; other < id; other++) {
      if (isBytesType(PROPERTY_TYPE[other]) && PROPERTY_INDEX[other] === k && (PROPERTY_PACKETS[other] & PROPERTY_PACKETS[id]) !== 0) {
        k++;
        other = -1;
      }
    }
    PROPERTY_INDEX[id] = k;
    if (k + 1 > n) n = k + 1;
  }
  return n;
}

/** Number properties (16), and entries for the string/binary ones (6 for 9 properties). */
const NUMBER_COUNT = indexNumbers();
const BYTES_COUNT = indexBytes();
for (let id = 0; id < PROPERTY_SLOTS; id++) {
  if (!isNumberProperty(id) && !isBytesType(PROPERTY_TYPE[id])) PROPERTY_INDEX[id] = NUMBER_COUNT;
}
/** In Properties.vals: present, userCount, userSeen, subIdCount, the numbers, then (offset, length) per string/binary property, then 4 per user property, then subscription ids. */
const HEAD = 4;
const BYTES_BASE = HEAD + NUMBER_COUNT + 1;
const USER_BASE = BYTES_BASE + 2 * BYTES_COUNT;

const EMPTY = new Uint8Array(0);

/** What a Properties record takes from a Memory. */
export function propertiesMemory(userCapacity: number, subIdCapacity: number): number {
  return viewBytes(USER_BASE + 4 * userCapacity + subIdCapacity, 4);
}

/**
 * One packet's properties, in two tables indexed densely by kind rather than by identifier:
 * `vals` holds the numbers, the (offset, length) of each string or binary property and of each
 * user property's key and value, and the subscription identifiers; `bufs` the buffers those
 * bytes are in (one per string/binary property, two per user property), kept by reference.
 */
export class Properties {
  vals: Int32Array;
  bufs: Uint8Array[];

  constructor(userCapacity: number, subIdCapacity: number, mem: Memory | null = null) {
    this.vals = i32(mem, USER_BASE + 4 * userCapacity + subIdCapacity);
    this.bufs = [];
    for (let i = 0; i < BYTES_COUNT + 2 * userCapacity; i++) this.bufs.push(EMPTY);
  }

  // The counters live in vals too (an own field is a heap slot in XS; an accessor is not).
  /** Bit PROPERTY_BIT[id] is set for each property present (user properties and subscription identifiers are counted instead). */
  get present(): number { return this.vals[0]; }
  set present(v: number) { this.vals[0] = v; }
  /** User properties kept (at most userCapacity); userSeen counts all that were decoded (the broker refuses more than its limit). */
  get userCount(): number { return this.vals[1]; }
  set userCount(v: number) { this.vals[1] = v; }
  get userSeen(): number { return this.vals[2]; }
  set userSeen(v: number) { this.vals[2] = v; }
  /** Subscription identifiers (PUBLISH may carry several, SUBSCRIBE one). */
  get subIdCount(): number { return this.vals[3]; }
  set subIdCount(v: number) { this.vals[3] = v; }

  clear(): void {
    // The counters' entries written directly, not through an accessor (stack depth on XS).
    const v = this.vals;
    v[0] = 0;
    v[1] = 0;
    v[2] = 0;
    v[3] = 0;
  }

  isEmpty(): boolean {
    return this.present === 0 && this.userCount === 0 && this.subIdCount === 0;
  }

  has(id: number): boolean {
    return (this.present & (1 << PROPERTY_BIT[id])) !== 0;
  }

  /** A number property's value (0 for other kinds). */
  get(id: number): number {
    return this.vals[HEAD + PROPERTY_INDEX[id]] >>> 0;
  }

  /** A string or binary property: its buffer, and where its bytes are in it. */
  bufferOf(id: number): Uint8Array {
    return this.bufs[PROPERTY_INDEX[id]];
  }

  offsetOf(id: number): number {
    return this.vals[BYTES_BASE + 2 * PROPERTY_INDEX[id]];
  }

  lengthOf(id: number): number {
    return this.vals[BYTES_BASE + 2 * PROPERTY_INDEX[id] + 1];
  }

  /** User property i (0..userCount-1): key and value as (buffer, offset, length). */
  userKeyBuffer(i: number): Uint8Array {
    return this.bufs[BYTES_COUNT + 2 * i];
  }

  userKeyOffset(i: number): number {
    return this.vals[USER_BASE + 4 * i];
  }

  userKeyLength(i: number): number {
    return this.vals[USER_BASE + 4 * i + 1];
  }

  userValueBuffer(i: number): Uint8Array {
    return this.bufs[BYTES_COUNT + 2 * i + 1];
  }

  userValueOffset(i: number): number {
    return this.vals[USER_BASE + 4 * i + 2];
  }

  userValueLength(i: number): number {
    return this.vals[USER_BASE + 4 * i + 3];
  }

  /** Subscription identifier i (0..subIdCount-1). */
  subscriptionId(i: number): number {
    return this.vals[this.subIdBase() + i];
  }

  /** A number-valued property (byte, two-byte, four-byte or variable byte integer). */
  setNumber(id: number, value: number): void {
    if (id === PropertyId.SubscriptionIdentifier) {
      this.subIdCount = 0;
      this.addSubscriptionId(value);
      return;
    }
    const k = PROPERTY_INDEX[id];
    if (k === NUMBER_COUNT) return;
    this.vals[HEAD + k] = value;
    this.present |= 1 << PROPERTY_BIT[id];
  }

  /** A string or binary property: bytes [off, off+len) of buf, kept by reference. */
  setBytes(id: number, buf: Uint8Array, off: number, len: number): void {
    if (!isBytesType(PROPERTY_TYPE[id])) return;
    const k = PROPERTY_INDEX[id];
    this.bufs[k] = buf;
    this.vals[BYTES_BASE + 2 * k] = off;
    this.vals[BYTES_BASE + 2 * k + 1] = len;
    this.present |= 1 << PROPERTY_BIT[id];
  }

  unset(id: number): void {
    if (id === PropertyId.SubscriptionIdentifier) this.subIdCount = 0;
    else if (id === PropertyId.UserProperty) this.userCount = 0;
    else this.present &= ~(1 << PROPERTY_BIT[id]);
  }

  /** Adds a user property; false when the list is full. */
  addUserProperty(kbuf: Uint8Array, koff: number, klen: number, vbuf: Uint8Array, voff: number, vlen: number): boolean {
    this.userSeen++;
    const i = this.userCount;
    const b = BYTES_COUNT + 2 * i;
    if (b >= this.bufs.length) return false;
    this.bufs[b] = kbuf;
    this.bufs[b + 1] = vbuf;
    const v = USER_BASE + 4 * i;
    this.vals[v] = koff;
    this.vals[v + 1] = klen;
    this.vals[v + 2] = voff;
    this.vals[v + 3] = vlen;
    this.userCount = i + 1;
    return true;
  }

  addSubscriptionId(value: number): boolean {
    const at = this.subIdBase() + this.subIdCount;
    if (at >= this.vals.length) return false;
    this.vals[at] = value;
    this.subIdCount++;
    return true;
  }

  /** Copies another record's properties (by reference to the same bytes). */
  copyFrom(src: Properties): void {
    for (let i = 0; i < USER_BASE; i++) this.vals[i] = src.vals[i];
    for (let i = 0; i < BYTES_COUNT; i++) this.bufs[i] = src.bufs[i];
    this.userCount = 0;
    this.userSeen = 0;
    for (let i = 0; i < src.userCount; i++) {
      this.addUserProperty(src.userKeyBuffer(i), src.userKeyOffset(i), src.userKeyLength(i), src.userValueBuffer(i), src.userValueOffset(i), src.userValueLength(i));
    }
    this.subIdCount = 0;
    for (let i = 0; i < src.subIdCount; i++) this.addSubscriptionId(src.subscriptionId(i));
  }

  /** Where the subscription identifiers start in vals: after the user properties (2 buffers and 4 numbers each). */
  private subIdBase(): number {
    return USER_BASE + 2 * (this.bufs.length - BYTES_COUNT);
  }
}

/**
 * Reads a property length and the properties after it into p, for a packet of kind `packet`
 * (1 << type, or WILL_PROPERTIES). Returns 0, or a negated reason code (also left in r.err).
 */
export function decodeProperties(r: Reader, p: Properties, packet: number): number {
  p.clear();
  const length = r.varint();
  if (r.err !== 0) return -r.err;
  const end = r.pos + length;
  // Properties beyond the packet's remaining length are malformed.
  if (end > r.end) {
    r.fail(ReasonCode.MalformedPacket);
    return -ReasonCode.MalformedPacket;
  }
  const outerEnd = r.end;
  r.end = end;
  while (r.pos < end && r.err === 0) {
    const id = r.varint();
    if (r.err !== 0) break;
    if (id >= PROPERTY_SLOTS || PROPERTY_BIT[id] === 0xff || (PROPERTY_PACKETS[id] & packet) === 0) {
      r.fail(ReasonCode.MalformedPacket);
      break;
    }
    const type = PROPERTY_TYPE[id];
    if (type === PropType.Pair) {
      const koff = r.utf8();
      const klen = r.len;
      const voff = r.utf8();
      if (r.err === 0) p.addUserProperty(r.buf, koff, klen, r.buf, voff, r.len);
      continue;
    }
    if (id === PropertyId.SubscriptionIdentifier) {
      const v = r.varint();
      // MQTT-3.3.4-6 / 3.8.2.1.2: 0 is a protocol error; only PUBLISH may repeat it.
      if (v === 0 || (p.subIdCount > 0 && packet !== 1 << PacketType.Publish)) r.fail(ReasonCode.ProtocolError);
      else p.addSubscriptionId(v);
      continue;
    }
    // Every other property may appear at most once (MQTT 5 section 2.2.2.2).
    if (p.has(id)) {
      r.fail(ReasonCode.ProtocolError);
      break;
    }
    if (type === PropType.Utf8 || type === PropType.Binary) {
      const off = type === PropType.Utf8 ? r.utf8() : r.binary();
      p.setBytes(id, r.buf, off, r.len);
      continue;
    }
    const v = type === PropType.Byte ? r.u8() : type === PropType.TwoByte ? r.u16() : type === PropType.FourByte ? r.u32() : r.varint();
    if (r.err !== 0) break;
    if (!validNumber(id, v)) {
      r.fail(ReasonCode.ProtocolError);
      break;
    }
    p.setNumber(id, v);
  }
  r.end = outerEnd;
  if (r.err === 0 && r.pos !== end) r.fail(ReasonCode.MalformedPacket);
  return r.err === 0 ? 0 : -r.err;
}

function validNumber(id: number, v: number): boolean {
  switch (id) {
    case PropertyId.PayloadFormatIndicator:
    case PropertyId.RequestProblemInformation:
    case PropertyId.RequestResponseInformation:
    case PropertyId.MaximumQos:
    case PropertyId.RetainAvailable:
    case PropertyId.WildcardSubscriptionAvailable:
    case PropertyId.SubscriptionIdentifierAvailable:
    case PropertyId.SharedSubscriptionAvailable:
      return v <= 1;
    case PropertyId.ReceiveMaximum:
    case PropertyId.MaximumPacketSize:
    case PropertyId.TopicAlias:
      return v !== 0; // 3.2.2.3.3, 3.2.2.3.6, MQTT-3.3.2-8: zero is a protocol error
    default:
      return true;
  }
}

/**
 * Bytes the properties take after their length field, or a negated reason code when one is
 * not allowed in this packet or out of range.
 */
export function propertiesSize(p: Properties, packet: number): number {
  let n = 0;
  if (p.present !== 0) {
    for (let i = 0; i < PROPERTY_IDS.length; i++) {
      const id = PROPERTY_IDS[i];
      if (!p.has(id)) continue;
      if ((PROPERTY_PACKETS[id] & packet) === 0) return -ReasonCode.ProtocolError;
      const type = PROPERTY_TYPE[id];
      if (type === PropType.Byte) n += 2;
      else if (type === PropType.TwoByte) n += 3;
      else if (type === PropType.FourByte) n += 5;
      else if (type === PropType.Utf8 || type === PropType.Binary) {
        const len = p.lengthOf(id);
        if (len > 0xffff) return -ReasonCode.MalformedPacket;
        n += 3 + len;
      }
    }
  }
  if (p.subIdCount > 0) {
    if ((PROPERTY_PACKETS[PropertyId.SubscriptionIdentifier] & packet) === 0) return -ReasonCode.ProtocolError;
    if (p.subIdCount > 1 && packet !== 1 << PacketType.Publish) return -ReasonCode.ProtocolError;
    for (let i = 0; i < p.subIdCount; i++) {
      const v = p.subscriptionId(i);
      if (v === 0 || !isVarint(v)) return -ReasonCode.ProtocolError;
      n += 1 + varintSize(v);
    }
  }
  if (p.userCount > 0) {
    if ((PROPERTY_PACKETS[PropertyId.UserProperty] & packet) === 0) return -ReasonCode.ProtocolError;
    for (let i = 0; i < p.userCount; i++) {
      const klen = p.userKeyLength(i);
      const vlen = p.userValueLength(i);
      if (klen > 0xffff || vlen > 0xffff) return -ReasonCode.MalformedPacket;
      n += 5 + klen + vlen;
    }
  }
  return n;
}

/** Writes the property length `size` (from propertiesSize) and the properties. */
export function writeProperties(out: Uint8Array, pos: number, p: Properties, size: number): number {
  // Most property blocks are under 128 bytes: one length byte, without a call (stack depth on XS).
  if (size < 0x80) out[pos++] = size;
  else pos = writeVarint(out, pos, size);
  if (p.present !== 0) {
    for (let i = 0; i < PROPERTY_IDS.length; i++) {
      const id = PROPERTY_IDS[i];
      if (!p.has(id)) continue;
      out[pos++] = id;
      const type = PROPERTY_TYPE[id];
      if (type === PropType.Byte) out[pos++] = p.get(id);
      else if (type === PropType.TwoByte) pos = writeU16(out, pos, p.get(id));
      else if (type === PropType.FourByte) pos = writeU32(out, pos, p.get(id));
      else if (type === PropType.Utf8 || type === PropType.Binary) pos = writeLengthPrefixed(out, pos, p.bufferOf(id), p.offsetOf(id), p.lengthOf(id));
    }
  }
  for (let i = 0; i < p.subIdCount; i++) {
    out[pos++] = PropertyId.SubscriptionIdentifier;
    pos = writeVarint(out, pos, p.subscriptionId(i));
  }
  for (let i = 0; i < p.userCount; i++) {
    out[pos++] = PropertyId.UserProperty;
    pos = writeLengthPrefixed(out, pos, p.userKeyBuffer(i), p.userKeyOffset(i), p.userKeyLength(i));
    pos = writeLengthPrefixed(out, pos, p.userValueBuffer(i), p.userValueOffset(i), p.userValueLength(i));
  }
  return pos;
}
