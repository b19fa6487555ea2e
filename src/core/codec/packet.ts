// The one reused record every packet is decoded into and encoded from. Byte fields are
// (buffer, offset, length) triples: after decode they point into the receive buffer; before
// encode the caller points them wherever its bytes are. A length of -1 means "absent".
import { Properties } from './properties.js';

const EMPTY = new Uint8Array(0);

export class Packet {
  type: number;
  /** Low nibble of the first byte, as received. */
  flags: number;
  /** Protocol level the packet is in: 3 (3.1), 4 (3.1.1) or 5. */
  version: number;

  // CONNECT
  cleanStart: boolean;
  keepAlive: number;
  clientId: Uint8Array;
  clientIdOff: number;
  clientIdLen: number;
  willFlag: boolean;
  willQos: number;
  willRetain: boolean;
  willTopic: Uint8Array;
  willTopicOff: number;
  willTopicLen: number;
  willPayload: Uint8Array;
  willPayloadOff: number;
  willPayloadLen: number;
  /** Will properties (MQTT 5 CONNECT): only in records built to encode or decode CONNECT. */
  willProps: Properties | null;
  username: Uint8Array;
  usernameOff: number;
  usernameLen: number;
  password: Uint8Array;
  passwordOff: number;
  passwordLen: number;

  // CONNACK
  sessionPresent: boolean;
  /** CONNACK, PUBACK..PUBCOMP, DISCONNECT, AUTH (3.1.1 CONNACK return codes mapped to MQTT 5). */
  reasonCode: number;

  // PUBLISH
  qos: number;
  retain: boolean;
  dup: boolean;
  topic: Uint8Array;
  topicOff: number;
  topicLen: number;
  /** PUBLISH (QoS > 0), the acks, SUBSCRIBE, UNSUBSCRIBE and their acks. */
  packetId: number;
  payload: Uint8Array;
  payloadOff: number;
  payloadLen: number;
  /** Streamed PUBLISH (larger than the receive buffer): 0 whole, 1 first chunk, 2 later chunk. */
  chunk: number;
  /** For a streamed PUBLISH: the whole payload's length, and where this chunk starts in it. */
  streamTotal: number;
  streamOffset: number;

  // SUBSCRIBE, UNSUBSCRIBE (filters) and SUBACK, UNSUBACK (codes): `count` entries.
  count: number;
  filter: Uint8Array[];
  filterOff: Int32Array;
  filterLen: Int32Array;
  /** SUBSCRIBE options byte per filter: QoS (bits 0-1), no local (2), retain as published (3), retain handling (4-5). */
  options: Uint8Array;
  /** SUBACK / UNSUBACK reason codes, one per filter (3.1.1 SUBACK 0x80 is kept as is): the same array as `options` (a packet has one or the other). */
  codes: Uint8Array;

  props: Properties;

  /**
   * capacity: filters per SUBSCRIBE/UNSUBSCRIBE and codes per SUBACK; userProperties and
   * subscriptionIds: how many of each a packet's properties can hold; will: whether the record
   * has will properties (needed to encode or decode an MQTT 5 CONNECT with a will).
   */
  constructor(capacity: number, userProperties: number, subscriptionIds: number, will = true) {
    this.type = 0;
    this.flags = 0;
    this.version = 4;
    this.cleanStart = true;
    this.keepAlive = 0;
    this.clientId = EMPTY;
    this.clientIdOff = 0;
    this.clientIdLen = 0;
    this.willFlag = false;
    this.willQos = 0;
    this.willRetain = false;
    this.willTopic = EMPTY;
    this.willTopicOff = 0;
    this.willTopicLen = 0;
    this.willPayload = EMPTY;
    this.willPayloadOff = 0;
    this.willPayloadLen = 0;
    this.willProps = will ? new Properties(userProperties, 0) : null;
    this.username = EMPTY;
    this.usernameOff = 0;
    this.usernameLen = -1;
    this.password = EMPTY;
    this.passwordOff = 0;
    this.passwordLen = -1;
    this.sessionPresent = false;
    this.reasonCode = 0;
    this.qos = 0;
    this.retain = false;
    this.dup = false;
    this.topic = EMPTY;
    this.topicOff = 0;
    this.topicLen = 0;
    this.packetId = 0;
    this.payload = EMPTY;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.chunk = 0;
    this.streamTotal = 0;
    this.streamOffset = 0;
    this.count = 0;
    this.filter = [];
    for (let i = 0; i < capacity; i++) this.filter.push(EMPTY);
    this.filterOff = new Int32Array(capacity);
    this.filterLen = new Int32Array(capacity);
    this.options = new Uint8Array(capacity);
    this.codes = this.options;
    this.props = new Properties(userProperties, subscriptionIds);
  }

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
    this.chunk = 0;
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

  /** Adds a filter to a SUBSCRIBE or UNSUBSCRIBE; false when the record is full. */
  addFilter(buf: Uint8Array, off: number, len: number, options: number): boolean {
    const i = this.count;
    if (i >= this.filterOff.length) return false;
    this.filter[i] = buf;
    this.filterOff[i] = off;
    this.filterLen[i] = len;
    this.options[i] = options;
    this.count = i + 1;
    return true;
  }

  /** Adds a reason code to a SUBACK or UNSUBACK; false when the record is full. */
  addCode(code: number): boolean {
    if (this.count >= this.codes.length) return false;
    this.codes[this.count++] = code;
    return true;
  }
}
