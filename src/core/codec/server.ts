// The server's direction, one entry point each way: decodeClientPacket reads what a client sends,
// encodeServerPacket writes what a server sends. Only the broker (and codec.ts) link this half.
import { PacketType, ReasonCode } from './constants.js';
import { decodeAck, encodeAck } from './acks.js';
import { encodeConnack } from './connack-encode.js';
import { decodeConnect } from './connect-decode.js';
import { decodeDisconnectOrAuth, encodeDisconnectOrAuth } from './disconnect.js';
import { readFixedHeader } from './header.js';
import { Packet } from './packet.js';
import { decodePing, encodePing } from './ping.js';
import { decodePublish, encodePublish } from './publish.js';
import { Reader } from './reader.js';
import { encodeCodes } from './suback-encode.js';
import { decodeFilters } from './subscribe-decode.js';

/**
 * Decodes the packet at buf[off, off+len) (exactly one packet), sent by a client, in protocol
 * `version` (CONNECT brings its own). Returns 0, or a negated reason code.
 */
export function decodeClientPacket(r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet): number {
  const rc = readFixedHeader(r, buf, off, len, version, p);
  return rc < 0 ? rc : decodeClientBody(r, p);
}

/** Decodes the body in r of a packet a client sent (the fixed header already read into p). */
export function decodeClientBody(r: Reader, p: Packet): number {
  switch (p.type) {
    case PacketType.Connect: return decodeConnect(r, p);
    case PacketType.Publish: return decodePublish(r, p);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return decodeAck(r, p);
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: return decodeFilters(r, p);
    case PacketType.Pingreq: return decodePing(r, p);
    case PacketType.Disconnect:
    case PacketType.Auth: return decodeDisconnectOrAuth(r, p);
    // CONNACK, SUBACK, UNSUBACK, PINGRESP are never sent to a server.
    default: return -ReasonCode.ProtocolError;
  }
}

/** Encodes p, a packet a server sends, at out[off]: its length, or a negated reason code (0x95 when it does not fit). */
export function encodeServerPacket(p: Packet, out: Uint8Array, off: number): number {
  switch (p.type) {
    case PacketType.Connack: return encodeConnack(p, out, off);
    case PacketType.Publish: return encodePublish(p, out, off);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return encodeAck(p, out, off);
    case PacketType.Suback:
    case PacketType.Unsuback: return encodeCodes(p, out, off);
    case PacketType.Pingresp: return encodePing(p, out, off);
    case PacketType.Disconnect:
    case PacketType.Auth: return encodeDisconnectOrAuth(p, out, off);
    default: return -ReasonCode.MalformedPacket;
  }
}
