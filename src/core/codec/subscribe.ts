// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT 5 sections 3.8-3.11): a packet id, MQTT 5
// properties, then a list of filters (with options for SUBSCRIBE) or of reason codes. The
// client's half: SUBSCRIBE/UNSUBSCRIBE encoding and SUBACK/UNSUBACK decoding; the server's half
// is in subscribe-decode.ts and suback-encode.ts.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { decodeProperties, propertiesSize, writeProperties } from './properties.js';
import { Reader } from './reader.js';
import { isReasonCodeFor } from './reason-codes.js';
import { varintSize } from './varint.js';
import { beginPacket, writeLengthPrefixed, writeU16 } from './writer.js';

/** Packet id and, in MQTT 5, properties: the head shared by all four packets. */
export function decodeHead(r: Reader, p: Packet): number {
  p.packetId = r.u16();
  if (r.err !== 0) return -r.err;
  // MQTT-2.2.1-3: SUBSCRIBE and UNSUBSCRIBE (and so their acks) carry a non-zero packet id.
  if (p.packetId === 0) return -ReasonCode.MalformedPacket;
  if (p.version === ProtocolVersion.V5) return decodeProperties(r, p.props, 1 << p.type);
  p.props.clear();
  return 0;
}

export function headSize(p: Packet): number {
  if (p.packetId <= 0 || p.packetId > 0xffff) return -ReasonCode.MalformedPacket;
  if (p.version !== ProtocolVersion.V5) return 2;
  const size = propertiesSize(p.props, 1 << p.type);
  if (size < 0) return size;
  return 2 + varintSize(size) + size;
}

export function writeHead(out: Uint8Array, pos: number, p: Packet): number {
  pos = writeU16(out, pos, p.packetId);
  if (p.version === ProtocolVersion.V5) pos = writeProperties(out, pos, p.props, propertiesSize(p.props, 1 << p.type));
  return pos;
}

export function encodeFilters(p: Packet, out: Uint8Array, off: number): number {
  const head = headSize(p);
  if (head < 0) return head;
  const subscribe = p.type === PacketType.Subscribe;
  if (p.count === 0) return -ReasonCode.ProtocolError;
  let remaining = head;
  for (let i = 0; i < p.count; i++) {
    const len = p.filterLength(i);
    if (len > 0xffff) return -ReasonCode.TopicFilterInvalid;
    remaining += 2 + len + (subscribe ? 1 : 0);
  }
  // MQTT-3.8.1-1, MQTT-3.10.1-1: the fixed header flags are 0010.
  let pos = beginPacket(out, off, (p.type << 4) | 0x02, remaining);
  if (pos < 0) return pos;
  pos = writeHead(out, pos, p);
  for (let i = 0; i < p.count; i++) {
    pos = writeLengthPrefixed(out, pos, p.filter[i], p.filterOffset(i), p.filterLength(i));
    if (subscribe) out[pos++] = p.options[i];
  }
  return pos - off;
}

/** SUBACK and UNSUBACK: one reason code per filter (none in a 3.1.1 UNSUBACK). */
export function decodeCodes(r: Reader, p: Packet): number {
  const rc = decodeHead(r, p);
  if (rc < 0) return rc;
  p.count = 0;
  const v5 = p.version === ProtocolVersion.V5;
  if (p.type === PacketType.Unsuback && !v5) return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
  while (r.pos < r.end) {
    const code = r.buf[r.pos++];
    // 3.1.1 section 3.9.3: 0x00, 0x01, 0x02 and 0x80 only.
    const ok = v5 ? isReasonCodeFor(code, p.type) : code <= 2 || code === 0x80;
    if (!ok) return v5 ? -ReasonCode.ProtocolError : -ReasonCode.MalformedPacket;
    if (!p.addCode(code)) return -ReasonCode.ImplementationSpecificError;
  }
  // A SUBACK (and an MQTT 5 UNSUBACK) answers at least one filter.
  if (p.count === 0) return -ReasonCode.ProtocolError;
  return 0;
}

