// The one reused record every packet is decoded into and encoded from. Byte fields are
// (buffer, offset, length) triples: after decode they point into the receive buffer; before
// encode the caller points them wherever its bytes are. A length of -1 means "absent".
import { Properties, propertiesMemory } from './properties.js';
import { i32, Memory, u8, viewBytes } from './memory.js';

const EMPTY = new Uint8Array(0);

/** Number of entries in Packet.f before the filters' offsets and lengths: every number and flag of a packet. */
const FIELDS = 32;

/** What a Packet record takes from a Memory (the constructor's arguments). */
export function packetMemory(capacity: number, userProperties: number, subscriptionIds: number, will: boolean, ownProps = true): number {
  return viewBytes(FIELDS + 2 * capacity, 4) + (will ? propertiesMemory(userProperties, 0) : 0) + viewBytes(capacity, 1) +
    (ownProps ? propertiesMemory(userProperties, subscriptionIds) : 0);
}

/**
 * Every number and flag lives in one Int32Array, read and written through accessors on the
 * prototype: in XS every own property of an object is a heap slot (16 bytes on a device),
 * while the accessors cost nothing per record. Only the byte arrays are own fields.
 */
/** Which part of a PUBLISH a record holds: streamed messages (larger than the receive buffer) come in pieces. */
export const enum Chunk {
  /** The whole message. */
  Whole = 0,
  /** The first piece: topic, properties and the first payload bytes. */
  Head = 1,
  /** A later piece: payload only. */
  Piece = 2,
  /** The connection ended before the last piece: discard what came (the session says so once). */
  Aborted = 3,
}

export class Packet {
  /** The numbers and flags (accessors below), then each filter's offset and length. */
  f: Int32Array;

  // CONNECT
  clientId: Uint8Array;
  willTopic: Uint8Array;
  willPayload: Uint8Array;
  /** Will properties (MQTT 5 CONNECT): only in records built to encode or decode CONNECT. */
  willProps: Properties | null;
  username: Uint8Array;
  password: Uint8Array;

  // PUBLISH
  topic: Uint8Array;
  payload: Uint8Array;

  // SUBSCRIBE, UNSUBSCRIBE (filters) and SUBACK, UNSUBACK (codes): `count` entries.
  /** Filter i is bytes [filterOffset(i), +filterLength(i)) of filter[i]. */
  filter: Uint8Array[];
  /** SUBSCRIBE options byte per filter: QoS (bits 0-1), no local (2), retain as published (3), retain handling (4-5). */
  options: Uint8Array;

  props: Properties;

  /**
   * capacity: filters per SUBSCRIBE/UNSUBSCRIBE and codes per SUBACK; userProperties and
   * subscriptionIds: how many of each a packet's properties can hold; will: whether the record
   * has will properties (needed to encode or decode an MQTT 5 CONNECT with a will); props: a
   * properties record to use instead of one of its own (records of MQTT 3.1.1, which has no
   * properties, share one).
   */
  constructor(capacity: number, userProperties: number, subscriptionIds: number, will = true, mem: Memory | null = null, props: Properties | null = null) {
    this.f = i32(mem, FIELDS + 2 * capacity);
    this.type = 0;
    this.flags = 0;
    this.version = 4;
    this.reasonCode = 0;
    this.qos = 0;
    this.retain = false;
    this.dup = false;
    this.topicOff = 0;
    this.topicLen = 0;
    this.packetId = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.chunk = Chunk.Whole;
    this.count = 0;
    this.cleanStart = true;
    this.usernameLen = -1;
    this.passwordLen = -1;
    this.clientId = EMPTY;
    this.willTopic = EMPTY;
    this.willPayload = EMPTY;
    this.willProps = will ? new Properties(userProperties, 0, mem) : null;
    this.username = EMPTY;
    this.password = EMPTY;
    this.topic = EMPTY;
    this.payload = EMPTY;
    this.filter = [];
    for (let i = 0; i < capacity; i++) this.filter.push(EMPTY);
    this.options = u8(mem, capacity);
    this.props = props !== null ? props : new Properties(userProperties, subscriptionIds, mem);
  }

  /** SUBACK / UNSUBACK reason codes, one per filter (3.1.1 SUBACK 0x80 is kept as is): the same array as `options` (a packet has one or the other). */
  get codes(): Uint8Array { return this.options; }

  // The packet's own numbers and flags.
  get type(): number { return this.f[0]; }
  set type(v: number) { this.f[0] = v; }
  /** Low nibble of the first byte, as received. */
  get flags(): number { return this.f[1]; }
  set flags(v: number) { this.f[1] = v; }
  /** Protocol level the packet is in: 3 (3.1), 4 (3.1.1) or 5. */
  get version(): number { return this.f[2]; }
  set version(v: number) { this.f[2] = v; }
  /** CONNACK, PUBACK..PUBCOMP, DISCONNECT, AUTH (3.1.1 CONNACK return codes mapped to MQTT 5). */
  get reasonCode(): number { return this.f[3]; }
  set reasonCode(v: number) { this.f[3] = v; }
  get qos(): number { return this.f[4]; }
  set qos(v: number) { this.f[4] = v; }
  get retain(): boolean { return this.f[5] !== 0; }
  set retain(v: boolean) { this.f[5] = v ? 1 : 0; }
  get dup(): boolean { return this.f[6] !== 0; }
  set dup(v: boolean) { this.f[6] = v ? 1 : 0; }
  get topicOff(): number { return this.f[7]; }
  set topicOff(v: number) { this.f[7] = v; }
  get topicLen(): number { return this.f[8]; }
  set topicLen(v: number) { this.f[8] = v; }
  /** PUBLISH (QoS > 0), the acks, SUBSCRIBE, UNSUBSCRIBE and their acks. */
  get packetId(): number { return this.f[9]; }
  set packetId(v: number) { this.f[9] = v; }
  get payloadOff(): number { return this.f[10]; }
  set payloadOff(v: number) { this.f[10] = v; }
  get payloadLen(): number { return this.f[11]; }
  set payloadLen(v: number) { this.f[11] = v; }
  /** Which part of a PUBLISH this is (Chunk). */
  get chunk(): number { return this.f[12]; }
  set chunk(v: number) { this.f[12] = v; }
  /** SUBSCRIBE, UNSUBSCRIBE (filters) and SUBACK, UNSUBACK (codes): `count` entries. */
  get count(): number { return this.f[13]; }
  set count(v: number) { this.f[13] = v; }

  // CONNECT, CONNACK's session present flag and the streamed PUBLISH position.
  get cleanStart(): boolean { return this.f[14] !== 0; }
  set cleanStart(v: boolean) { this.f[14] = v ? 1 : 0; }
  get keepAlive(): number { return this.f[15]; }
  set keepAlive(v: number) { this.f[15] = v; }
  get clientIdOff(): number { return this.f[16]; }
  set clientIdOff(v: number) { this.f[16] = v; }
  get clientIdLen(): number { return this.f[17]; }
  set clientIdLen(v: number) { this.f[17] = v; }
  get willFlag(): boolean { return this.f[18] !== 0; }
  set willFlag(v: boolean) { this.f[18] = v ? 1 : 0; }
  get willQos(): number { return this.f[19]; }
  set willQos(v: number) { this.f[19] = v; }
  get willRetain(): boolean { return this.f[20] !== 0; }
  set willRetain(v: boolean) { this.f[20] = v ? 1 : 0; }
  get willTopicOff(): number { return this.f[21]; }
  set willTopicOff(v: number) { this.f[21] = v; }
  get willTopicLen(): number { return this.f[22]; }
  set willTopicLen(v: number) { this.f[22] = v; }
  get willPayloadOff(): number { return this.f[23]; }
  set willPayloadOff(v: number) { this.f[23] = v; }
  get willPayloadLen(): number { return this.f[24]; }
  set willPayloadLen(v: number) { this.f[24] = v; }
  get usernameOff(): number { return this.f[25]; }
  set usernameOff(v: number) { this.f[25] = v; }
  get usernameLen(): number { return this.f[26]; }
  set usernameLen(v: number) { this.f[26] = v; }
  get passwordOff(): number { return this.f[27]; }
  set passwordOff(v: number) { this.f[27] = v; }
  get passwordLen(): number { return this.f[28]; }
  set passwordLen(v: number) { this.f[28] = v; }
  get sessionPresent(): boolean { return this.f[29] !== 0; }
  set sessionPresent(v: boolean) { this.f[29] = v ? 1 : 0; }
  get streamTotal(): number { return this.f[30]; }
  set streamTotal(v: number) { this.f[30] = v; }
  get streamOffset(): number { return this.f[31]; }
  set streamOffset(v: number) { this.f[31] = v; }

  /** Makes the record a fresh packet of this type: absent optional parts, no properties. */
  reset(type: number, version: number): void {
    this.type = type;
    this.flags = 0;
    this.version = version;
    this.reasonCode = 0;
    this.packetId = 0;
    this.qos = 0;
    this.retain = false;
    this.dup = false;
    this.topicLen = 0;
    this.payloadLen = 0;
    this.chunk = Chunk.Whole;
    this.streamTotal = 0;
    this.streamOffset = 0;
    this.count = 0;
    this.sessionPresent = false;
    this.willFlag = false;
    this.usernameLen = -1;
    this.passwordLen = -1;
    this.props.clear();
    if (this.willProps !== null) this.willProps.clear();
  }

  setTopic(buf: Uint8Array, off: number, len: number): void {
    this.topic = buf;
    this.topicOff = off;
    this.topicLen = len;
  }

  setPayload(buf: Uint8Array, off: number, len: number): void {
    this.payload = buf;
    this.payloadOff = off;
    this.payloadLen = len;
  }

  filterOffset(i: number): number {
    return this.f[FIELDS + 2 * i];
  }

  filterLength(i: number): number {
    return this.f[FIELDS + 2 * i + 1];
  }

  /** Adds a filter to a SUBSCRIBE or UNSUBSCRIBE; false when the record is full. */
  addFilter(buf: Uint8Array, off: number, len: number, options: number): boolean {
    const i = this.count;
    if (i >= this.filter.length) return false;
    this.filter[i] = buf;
    this.f[FIELDS + 2 * i] = off;
    this.f[FIELDS + 2 * i + 1] = len;
    this.options[i] = options;
    this.count = i + 1;
    return true;
  }

  /** Sets filter i's bytes only (not its options: in a SUBACK / UNSUBACK they are the codes). */
  setFilterAt(i: number, buf: Uint8Array, off: number, len: number): void {
    if (i >= this.filter.length) return;
    this.filter[i] = buf;
    this.f[FIELDS + 2 * i] = off;
    this.f[FIELDS + 2 * i + 1] = len;
  }

  /** Adds a reason code to a SUBACK or UNSUBACK; false when the record is full. */
  addCode(code: number): boolean {
    if (this.count >= this.codes.length) return false;
    this.codes[this.count++] = code;
    return true;
  }
}
