// One entry point each way: decodePacket reads a whole packet (fixed header included) into the
// reused record; encodePacket writes the record into a caller-owned buffer.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { decodeAck, encodeAck } from './acks.js';
import { decodeConnack, encodeConnack } from './connack.js';
import { decodeConnect, encodeConnect } from './connect.js';
import { decodeDisconnectOrAuth, encodeDisconnectOrAuth } from './disconnect.js';
import { Packet } from './packet.js';
import { decodePublish, encodePublish } from './publish.js';
import { Reader } from './reader.js';
import { decodeCodes, decodeFilters, encodeCodes, encodeFilters } from './subscribe.js';
import { readVarint, varintSize } from './varint.js';
import { beginPacket } from './writer.js';

/**
 * Checks the fixed header's type and flags (MQTT-2.1.3-1 / 3.1.1 MQTT-2.2.2-1, -2): PUBREL,
 * SUBSCRIBE and UNSUBSCRIBE carry 0010, PUBLISH its own flags, every other packet 0000.
 */
export function checkFixedHeader(first: number, version: number): number {
  const type = first >> 4;
  const flags = first & 0x0f;
  if (type === 0) return -ReasonCode.MalformedPacket;
  if (type === PacketType.Auth && version !== ProtocolVersion.V5) return -ReasonCode.MalformedPacket;
  if (type === PacketType.Publish) return 0;
  const expected = type === PacketType.Pubrel || type === PacketType.Subscribe || type === PacketType.Unsubscribe ? 0x02 : 0;
  return flags === expected ? 0 : -ReasonCode.MalformedPacket;
}

/**
 * Decodes the packet at buf[off, off+len) (exactly one packet, as the framer delimits it) in
 * protocol `version` (CONNECT brings its own). Returns 0, or a negated reason code.
 */
export function decodePacket(r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet): number {
  if (len < 2) return -ReasonCode.MalformedPacket;
  const first = buf[off];
  const rc = checkFixedHeader(first, version);
  if (rc < 0) return rc;
  const remaining = readVarint(buf, off + 1, off + len);
  if (remaining < 0) return -ReasonCode.MalformedPacket;
  const start = off + 1 + varintSize(remaining);
  // The remaining length must agree with the bytes given.
  if (start + remaining !== off + len) return -ReasonCode.MalformedPacket;
  p.type = first >> 4;
  p.flags = first & 0x0f;
  p.version = version;
  p.chunk = 0;
  r.reset(buf, start, off + len);
  return decodeBody(r, p);
}

/** Decodes the variable header and payload in r (the fixed header already read into p). */
export function decodeBody(r: Reader, p: Packet): number {
  switch (p.type) {
    case PacketType.Connect: return decodeConnect(r, p);
    case PacketType.Connack: return decodeConnack(r, p);
    case PacketType.Publish: return decodePublish(r, p);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return decodeAck(r, p);
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: return decodeFilters(r, p);
    case PacketType.Suback:
    case PacketType.Unsuback: return decodeCodes(r, p);
    case PacketType.Pingreq:
    case PacketType.Pingresp:
      p.props.clear();
      // 3.12, 3.13: no variable header, no payload.
      return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
    default: return decodeDisconnectOrAuth(r, p);
  }
}

/** Encodes p at out[off]: the packet's length, or a negated reason code (0x95 when it does not fit). */
export function encodePacket(p: Packet, out: Uint8Array, off: number): number {
  switch (p.type) {
    case PacketType.Connect: return encodeConnect(p, out, off);
    case PacketType.Connack: return encodeConnack(p, out, off);
    case PacketType.Publish: return encodePublish(p, out, off);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return encodeAck(p, out, off);
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: return encodeFilters(p, out, off);
    case PacketType.Suback:
    case PacketType.Unsuback: return encodeCodes(p, out, off);
    case PacketType.Pingreq:
    case PacketType.Pingresp: {
      const pos = beginPacket(out, off, p.type << 4, 0);
      return pos < 0 ? pos : pos - off;
    }
    case PacketType.Disconnect:
    case PacketType.Auth: return encodeDisconnectOrAuth(p, out, off);
    default: return -ReasonCode.MalformedPacket;
  }
}
