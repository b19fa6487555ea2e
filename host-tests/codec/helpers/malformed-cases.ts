// The malformed-input table: each case is named after the normative statement it exercises
// (MQTT 5.0 numbering unless marked 3.1.1), with the exact reason code the decoders must return.
// Shared by the malformed-input tests and the fuzzer's seeds.

export type Part = Buffer | number[] | string;

export function bytes(part: Part): Buffer {
  if (typeof part === 'string') return Buffer.from(part, 'utf8');
  return Buffer.isBuffer(part) ? part : Buffer.from(part);
}

export function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** Hex with spaces allowed. */
export function h(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

/** A length-prefixed string or binary field. */
export function s(v: Part): Buffer {
  const b = bytes(v);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

/** MQTT 5 properties: the property length, then the properties. */
export function props(...parts: Part[]): Buffer {
  const body = Buffer.concat(parts.map(bytes));
  return Buffer.concat([varint(body.length), body]);
}

/** A packet with its first byte and a correct remaining length. */
export function pk(first: number, ...parts: Part[]): Buffer {
  const body = Buffer.concat(parts.map(bytes));
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
}

/** CONNECT with the given level, flags and (for v5) properties, then the payload parts. */
export function connect(level: number, flags: number, properties: Buffer | null, ...payload: Part[]): Buffer {
  const name = level === 3 ? 'MQIsdp' : 'MQTT';
  return pk(0x10, s(name), [level, flags, 0, 60], ...(properties ? [properties] : []), ...payload);
}

export const MALFORMED = 0x81;
export const PROTOCOL = 0x82;
export const UNSUPPORTED_VERSION = 0x84;
export const FILTER_INVALID = 0x8f;
export const TOPIC_INVALID = 0x90;
export const TOO_LARGE = 0x95;

export interface Case {
  name: string;
  version: number;
  bytes: Buffer;
  code: number;
  /** 'decode': decodePacket only (the Framer would wait for, or split off, the bytes). */
  only?: 'decode';
}

export const sub5 = (filter: Part, options: number, ...extraProps: Part[]): Buffer => pk(0x82, [0, 1], props(...extraProps), s(filter), [options]);
export const sub4 = (filter: Part, options: number): Buffer => pk(0x82, [0, 1], s(filter), [options]);

export const CASES: Case[] = [
  // ---- fixed header --------------------------------------------------------------------
  { name: 'MQTT-2.1.3-1 CONNECT with flags 0001', version: 4, bytes: h('11 0c 0004 4d515454 04 02 003c 0000'), code: MALFORMED },
  { name: 'MQTT-3.6.1-1 PUBREL with flags 0000', version: 4, bytes: pk(0x60, [0, 1]), code: MALFORMED },
  { name: 'MQTT-3.8.1-1 SUBSCRIBE with flags 0000', version: 4, bytes: pk(0x80, [0, 1], s('a'), [0]), code: MALFORMED },
  { name: 'MQTT-3.10.1-1 UNSUBSCRIBE with flags 0000', version: 4, bytes: pk(0xa0, [0, 1], s('a')), code: MALFORMED },
  { name: 'MQTT-2.1.3-1 PUBACK with flags 0010', version: 5, bytes: pk(0x42, [0, 1]), code: MALFORMED },
  { name: 'MQTT-2.1.3-1 PINGREQ with flags 1000', version: 4, bytes: h('c8 00'), code: MALFORMED },
  { name: 'MQTT-2.1.3-1 DISCONNECT with flags 0001', version: 5, bytes: h('e1 00'), code: MALFORMED },
  { name: 'MQTT-3.15.1-1 AUTH with flags 0001', version: 5, bytes: h('f1 02 18 00'), code: MALFORMED },
  { name: 'Table 2-1: packet type 0 is reserved', version: 4, bytes: h('00 00'), code: MALFORMED },
  { name: '3.1.1 Table 2.1: type 15 (AUTH) is reserved in 3.1.1', version: 4, bytes: h('f0 00'), code: MALFORMED },
  { name: '3.1.1 Table 2.1: type 15 (AUTH) is reserved in 3.1', version: 3, bytes: h('f0 02 18 00'), code: MALFORMED },

  // ---- remaining length ----------------------------------------------------------------
  { name: 'MQTT-1.5.5-1 remaining length not minimal (0x80 0x00 for 0)', version: 4, bytes: h('d0 80 00'), code: MALFORMED },
  { name: 'MQTT-1.5.5-1 remaining length not minimal (0x83 0x00 for 3)', version: 4, bytes: h('30 83 00 0001 61'), code: MALFORMED },
  { name: '1.5.5: remaining length in five bytes', version: 4, bytes: h('30 ff ff ff ff 01 00'), code: MALFORMED },
  { name: '2.1.4: remaining length larger than the bytes given', version: 4, bytes: h('40 03 00 01'), code: MALFORMED, only: 'decode' },
  { name: '2.1.4: bytes after the end given by the remaining length', version: 4, bytes: h('40 02 00 01 00'), code: MALFORMED, only: 'decode' },
  { name: '3.4: 3.1.1 PUBACK with remaining length 3', version: 4, bytes: pk(0x40, [0, 1, 0]), code: MALFORMED },
  { name: '3.3.2.1: topic length beyond the remaining length', version: 4, bytes: pk(0x30, [0, 5], 'ab'), code: MALFORMED },
  { name: '3.2: 3.1.1 CONNACK with a third byte', version: 4, bytes: pk(0x20, [0, 0, 0]), code: MALFORMED },
  { name: '3.14: 3.1.1 DISCONNECT with a body', version: 4, bytes: pk(0xe0, [0]), code: MALFORMED },
  { name: '3.12: PINGREQ with a body', version: 4, bytes: pk(0xc0, [0]), code: MALFORMED },
  { name: '3.13: PINGRESP with a body', version: 5, bytes: pk(0xd0, [0, 0]), code: MALFORMED },
  { name: '3.3.2.2: QoS 1 PUBLISH cut short before its packet identifier', version: 4, bytes: pk(0x32, s('a'), [0]), code: MALFORMED },

  // ---- PUBLISH ---------------------------------------------------------------------------
  { name: 'MQTT-3.3.1-4 PUBLISH with QoS 3', version: 4, bytes: pk(0x36, s('a'), [0, 1]), code: MALFORMED },
  { name: 'MQTT-3.3.1-2 DUP on a QoS 0 PUBLISH', version: 4, bytes: pk(0x38, s('a')), code: MALFORMED },
  { name: 'MQTT-2.2.1-3 QoS 1 PUBLISH with packet identifier 0', version: 5, bytes: pk(0x32, s('a'), [0, 0], props()), code: MALFORMED },
  { name: 'MQTT-3.3.2-2 "+" in a topic name', version: 4, bytes: pk(0x30, s('a/+')), code: TOPIC_INVALID },
  { name: 'MQTT-3.3.2-2 "#" in a topic name', version: 5, bytes: pk(0x30, s('a/#'), props()), code: TOPIC_INVALID },
  { name: 'MQTT-4.7.3-1 zero-length topic name in 3.1.1', version: 4, bytes: pk(0x30, s('')), code: TOPIC_INVALID },
  { name: '3.3.2.3.4: zero-length topic name without a Topic Alias', version: 5, bytes: pk(0x30, s(''), props(), 'x'), code: PROTOCOL },
  { name: 'MQTT-3.3.2-8 Topic Alias 0', version: 5, bytes: pk(0x30, s('a'), props([0x23, 0, 0])), code: PROTOCOL },
  { name: 'MQTT-1.5.4-2 U+0000 in a topic', version: 4, bytes: pk(0x30, s(h('61 00 62'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 surrogate U+D800 in a topic', version: 5, bytes: pk(0x30, s(h('ed a0 80')), props()), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 surrogate U+DFFF in a topic', version: 4, bytes: pk(0x30, s(h('61 ed bf bf'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 lone continuation byte in a topic', version: 4, bytes: pk(0x30, s(h('80'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 overlong U+0000 (C0 80) in a topic', version: 4, bytes: pk(0x30, s(h('c0 80'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 overlong three-byte form (E0 80 AF) in a topic', version: 4, bytes: pk(0x30, s(h('e0 80 af'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 truncated three-byte sequence in a topic', version: 4, bytes: pk(0x30, s(h('61 e2 82'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 code point above U+10FFFF in a topic', version: 4, bytes: pk(0x30, s(h('f4 90 80 80'))), code: MALFORMED },
  { name: '2.2.2.1: property length beyond the packet', version: 5, bytes: pk(0x30, s('a'), [0x05, 0x01]), code: MALFORMED },
  { name: '2.2.2.1: property value cut short by the property length', version: 5, bytes: pk(0x30, s('a'), [0x02, 0x02, 0x00], [0, 0, 0, 0]), code: MALFORMED },
  { name: '1.5.5: property length in five bytes', version: 5, bytes: pk(0x30, s('a'), [0xff, 0xff, 0xff, 0xff, 0x01]), code: MALFORMED },
  { name: '3.3.2.3.2: Payload Format Indicator twice', version: 5, bytes: pk(0x30, s('a'), props([0x01, 0], [0x01, 1])), code: PROTOCOL },
  { name: '3.3.2.3.4: Topic Alias twice', version: 5, bytes: pk(0x30, s('a'), props([0x23, 0, 1], [0x23, 0, 2])), code: PROTOCOL },
  { name: '2.2.2.2: Session Expiry Interval is not a PUBLISH property', version: 5, bytes: pk(0x30, s('a'), props([0x11, 0, 0, 0, 1])), code: MALFORMED },
  { name: '2.2.2.2: unknown property identifier 0x04', version: 5, bytes: pk(0x30, s('a'), props([0x04, 0])), code: MALFORMED },
  { name: '2.2.2.2: property identifier 128 (0x80 0x01) is unknown', version: 5, bytes: pk(0x30, s('a'), props([0x80, 0x01, 0])), code: MALFORMED },
  { name: 'MQTT-1.5.5-1 property identifier not minimal (0x81 0x00)', version: 5, bytes: pk(0x30, s('a'), props([0x81, 0x00, 0])), code: MALFORMED },
  { name: '3.3.2.3.8: Subscription Identifier 0 in PUBLISH', version: 5, bytes: pk(0x30, s('a'), props([0x0b, 0])), code: PROTOCOL },
  { name: 'MQTT-1.5.7-1 U+0000 in a user property name', version: 5, bytes: pk(0x30, s('a'), props([0x26], s(h('00')), s('v'))), code: MALFORMED },
  { name: '1.5.7: user property without its value', version: 5, bytes: pk(0x30, s('a'), props([0x26], s('k'))), code: MALFORMED },
  { name: 'MQTT-1.5.4-1 surrogate in Content Type', version: 5, bytes: pk(0x30, s('a'), props([0x03], s(h('ed b0 80')))), code: MALFORMED },

  // ---- PUBACK, PUBREC, PUBREL, PUBCOMP ---------------------------------------------------
  { name: '2.2.1: PUBACK with packet identifier 0', version: 4, bytes: pk(0x40, [0, 0]), code: MALFORMED },
  { name: 'Table 3-4: PUBACK reason code 0x92 (PUBREL/PUBCOMP only)', version: 5, bytes: pk(0x40, [0, 1, 0x92]), code: PROTOCOL },
  { name: 'Table 3-6: PUBREL reason code 0x10 (PUBACK/PUBREC only)', version: 5, bytes: pk(0x62, [0, 1, 0x10]), code: PROTOCOL },
  { name: '3.4.2.2.2: Reason String twice in PUBACK', version: 5, bytes: pk(0x40, [0, 1, 0], props([0x1f], s('a'), [0x1f], s('b'))), code: PROTOCOL },
  { name: '2.2.2.2: Topic Alias is not a PUBCOMP property', version: 5, bytes: pk(0x70, [0, 1, 0], props([0x23, 0, 1])), code: MALFORMED },
  { name: '2.2.2.1: PUBREC property length beyond the packet', version: 5, bytes: pk(0x50, [0, 1, 0, 5]), code: MALFORMED },

  // ---- CONNECT ---------------------------------------------------------------------------
  { name: 'MQTT-3.1.2-3 CONNECT reserved flag set', version: 4, bytes: connect(4, 0x03, null, s('c')), code: MALFORMED },
  { name: 'MQTT-3.1.2-1 protocol name "MQTX"', version: 4, bytes: pk(0x10, s('MQTX'), [4, 2, 0, 60], s('c')), code: UNSUPPORTED_VERSION },
  { name: 'MQTT-3.1.2-2 protocol level 6', version: 5, bytes: pk(0x10, s('MQTT'), [6, 2, 0, 60], props(), s('c')), code: UNSUPPORTED_VERSION },
  { name: 'MQTT-3.1.2-1 level 3 with the name "MQTT"', version: 4, bytes: pk(0x10, s('MQTT'), [3, 2, 0, 60], s('c')), code: UNSUPPORTED_VERSION },
  { name: 'MQTT-3.1.2-11 Will QoS 1 without the Will Flag', version: 4, bytes: connect(4, 0x0a, null, s('c')), code: MALFORMED },
  { name: 'MQTT-3.1.2-13 Will Retain without the Will Flag', version: 5, bytes: connect(5, 0x22, props(), s('c')), code: MALFORMED },
  { name: 'MQTT-3.1.2-12 Will QoS 3', version: 4, bytes: connect(4, 0x1e, null, s('c'), s('w'), s('m')), code: MALFORMED },
  { name: '3.1.1 MQTT-3.1.2-22 password without a user name', version: 4, bytes: connect(4, 0x42, null, s('c'), s('pw')), code: MALFORMED },
  { name: 'MQTT-3.1.3-4 U+0000 in the client identifier', version: 4, bytes: connect(4, 0x02, null, s(h('63 00'))), code: MALFORMED },
  { name: 'MQTT-4.7.0-1 wildcard in the Will Topic', version: 4, bytes: connect(4, 0x06, null, s('c'), s('w/#'), s('m')), code: TOPIC_INVALID },
  { name: '3.1.2.11.3: Receive Maximum 0', version: 5, bytes: connect(5, 0x02, props([0x21, 0, 0]), s('c')), code: PROTOCOL },
  { name: '3.1.2.11.4: Maximum Packet Size 0', version: 5, bytes: connect(5, 0x02, props([0x27, 0, 0, 0, 0]), s('c')), code: PROTOCOL },
  { name: '3.1.2.11.6: Request Response Information 2', version: 5, bytes: connect(5, 0x02, props([0x19, 2]), s('c')), code: PROTOCOL },
  { name: '3.1.2.11.7: Request Problem Information 2', version: 5, bytes: connect(5, 0x02, props([0x17, 2]), s('c')), code: PROTOCOL },
  { name: '2.2.2.2: Will Delay Interval among the CONNECT properties', version: 5, bytes: connect(5, 0x02, props([0x18, 0, 0, 0, 1]), s('c')), code: MALFORMED },
  { name: '2.2.2.2: Topic Alias among the Will Properties', version: 5, bytes: connect(5, 0x06, props(), s('c'), props([0x23, 0, 1]), s('w'), s('m')), code: MALFORMED },
  { name: '3.1.2.11.2: Session Expiry Interval twice', version: 5, bytes: connect(5, 0x02, props([0x11, 0, 0, 0, 1], [0x11, 0, 0, 0, 2]), s('c')), code: PROTOCOL },
  { name: 'MQTT-3.1.3-3 CONNECT without a client identifier', version: 4, bytes: connect(4, 0x02, null), code: MALFORMED },
  { name: 'MQTT-3.1.2-17 user name flag set, user name missing', version: 4, bytes: connect(4, 0x82, null, s('c')), code: MALFORMED },

  // ---- CONNACK ---------------------------------------------------------------------------
  { name: 'MQTT-3.2.2-1 CONNACK reserved acknowledge flag bits', version: 4, bytes: pk(0x20, [0x02, 0]), code: MALFORMED },
  { name: '3.1.1 section 3.2.2.3: CONNACK return code 6 is reserved', version: 4, bytes: pk(0x20, [0, 6]), code: MALFORMED },
  { name: '3.1.1 MQTT-3.2.2-4 session present with return code 5', version: 4, bytes: pk(0x20, [1, 5]), code: PROTOCOL },
  { name: 'MQTT-3.2.2-6 session present with reason code 0x87', version: 5, bytes: pk(0x20, [1, 0x87], props()), code: PROTOCOL },
  { name: 'Table 3-1: CONNACK reason code 0x04 (DISCONNECT only)', version: 5, bytes: pk(0x20, [0, 0x04], props()), code: PROTOCOL },
  { name: '3.2.2.3.4: Maximum QoS 2', version: 5, bytes: pk(0x20, [0, 0], props([0x24, 2])), code: PROTOCOL },
  { name: '3.2.2.3.5: Retain Available 2', version: 5, bytes: pk(0x20, [0, 0], props([0x25, 2])), code: PROTOCOL },
  { name: '3.2.2.3.11: Wildcard Subscription Available 2', version: 5, bytes: pk(0x20, [0, 0], props([0x28, 2])), code: PROTOCOL },
  { name: '2.2.2.2: Topic Alias is not a CONNACK property', version: 5, bytes: pk(0x20, [0, 0], props([0x23, 0, 1])), code: MALFORMED },
  { name: 'MQTT-2.2.2-1 CONNACK without its property length', version: 5, bytes: pk(0x20, [0, 0]), code: MALFORMED },

  // ---- SUBSCRIBE and UNSUBSCRIBE ---------------------------------------------------------
  { name: 'MQTT-3.8.3-2 SUBSCRIBE with no filters', version: 5, bytes: pk(0x82, [0, 1], props()), code: PROTOCOL },
  { name: '3.1.1 MQTT-3.8.3-3 SUBSCRIBE with no filters', version: 4, bytes: pk(0x82, [0, 1]), code: PROTOCOL },
  { name: 'MQTT-3.8.3-5 reserved subscription option bits 6-7', version: 5, bytes: sub5('a', 0x40), code: MALFORMED },
  { name: '3.1.1 MQTT-3.8.3-4 reserved option bits 2-7', version: 4, bytes: sub4('a', 0x04), code: MALFORMED },
  { name: '3.1.1 MQTT-3.8.3-4 requested QoS 3', version: 4, bytes: sub4('a', 0x03), code: MALFORMED },
  { name: '3.8.3.1: Maximum QoS 3', version: 5, bytes: sub5('a', 0x03), code: PROTOCOL },
  { name: '3.8.3.1: Retain Handling 3', version: 5, bytes: sub5('a', 0x30), code: PROTOCOL },
  { name: 'MQTT-3.8.3-4 No Local on a shared subscription', version: 5, bytes: sub5('$share/g/a', 0x04), code: PROTOCOL },
  { name: 'MQTT-4.7.1-1 "a/#/b": "#" not the last level', version: 5, bytes: sub5('a/#/b', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.7.1-1 "#/a": "#" not the last level', version: 4, bytes: sub4('#/a', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.7.1-1 "a#": "#" not a whole level', version: 4, bytes: sub4('a#', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.7.1-2 "a+": "+" not a whole level', version: 5, bytes: sub5('a+', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.7.1-2 "+a/b": "+" not a whole level', version: 4, bytes: sub4('+a/b', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.8.2-1 "$share//x": empty ShareName', version: 5, bytes: sub5('$share//x', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.8.2-2 "$share/g+/x": wildcard in the ShareName', version: 5, bytes: sub5('$share/g+/x', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.8.2-2 "$share/g": no Topic Filter after the ShareName', version: 5, bytes: sub5('$share/g', 0), code: FILTER_INVALID },
  { name: 'MQTT-4.7.3-1 empty topic filter', version: 4, bytes: sub4('', 0), code: FILTER_INVALID },
  { name: 'MQTT-1.5.4-1 surrogate in a topic filter', version: 4, bytes: sub4(h('61 2f ed a0 80'), 0), code: MALFORMED },
  { name: '3.8.2.1.2: Subscription Identifier twice in SUBSCRIBE', version: 5, bytes: sub5('a', 0, [0x0b, 1], [0x0b, 2]), code: PROTOCOL },
  { name: '3.8.2.1.2: Subscription Identifier 0 in SUBSCRIBE', version: 5, bytes: sub5('a', 0, [0x0b, 0]), code: PROTOCOL },
  { name: '3.8.3: topic filter without its options byte', version: 4, bytes: pk(0x82, [0, 1], s('a')), code: MALFORMED },
  { name: 'MQTT-2.2.1-3 SUBSCRIBE with packet identifier 0', version: 4, bytes: pk(0x82, [0, 0], s('a'), [0]), code: MALFORMED },
  { name: 'MQTT-3.10.3-2 UNSUBSCRIBE with no filters', version: 4, bytes: pk(0xa2, [0, 1]), code: PROTOCOL },
  { name: 'MQTT-4.7.1-1 UNSUBSCRIBE "a/#/b"', version: 5, bytes: pk(0xa2, [0, 1], props(), s('a/#/b')), code: FILTER_INVALID },

  // ---- SUBACK and UNSUBACK ---------------------------------------------------------------
  { name: '3.1.1 section 3.9.3: SUBACK return code 3', version: 4, bytes: pk(0x90, [0, 1, 3]), code: MALFORMED },
  { name: 'Table 3-8: SUBACK reason code 0x11 (UNSUBACK only)', version: 5, bytes: pk(0x90, [0, 1], props(), [0x11]), code: PROTOCOL },
  { name: 'MQTT-3.8.4-6 SUBACK without a reason code', version: 5, bytes: pk(0x90, [0, 1], props()), code: PROTOCOL },
  { name: '3.1.1 section 3.11: UNSUBACK with a payload', version: 4, bytes: pk(0xb0, [0, 1, 0]), code: MALFORMED },
  { name: 'Table 3-9: UNSUBACK reason code 0x01', version: 5, bytes: pk(0xb0, [0, 1], props(), [0x01]), code: PROTOCOL },

  // ---- DISCONNECT and AUTH ---------------------------------------------------------------
  { name: 'Table 3-10: DISCONNECT reason code 0x01', version: 5, bytes: pk(0xe0, [0x01]), code: PROTOCOL },
  { name: '2.2.2.2: Topic Alias is not a DISCONNECT property', version: 5, bytes: pk(0xe0, [0x00], props([0x23, 0, 1])), code: MALFORMED },
  { name: '3.14.2.2.2: Session Expiry Interval twice in DISCONNECT', version: 5, bytes: pk(0xe0, [0x00], props([0x11, 0, 0, 0, 1], [0x11, 0, 0, 0, 1])), code: PROTOCOL },
  { name: 'Table 3-11: AUTH reason code 0x80', version: 5, bytes: pk(0xf0, [0x80], props()), code: PROTOCOL },
  { name: '2.2.2.2: Session Expiry Interval is not an AUTH property', version: 5, bytes: pk(0xf0, [0x18], props([0x11, 0, 0, 0, 1])), code: MALFORMED },
];
