// The client's direction, one entry point each way: encodeClientPacket writes what a client sends,
// decodeServerPacket reads what a server sends. A client links only this half of the codec.
import { PacketType, ReasonCode } from './constants.js';
import { decodeAck, encodeAck } from './acks.js';
import { decodeConnack } from './connack.js';
import { encodeConnect } from './connect.js';
import { decodeDisconnectOrAuth, encodeDisconnectOrAuth } from './disconnect.js';
import { readFixedHeader } from './header.js';
import { Packet } from './packet.js';
import { decodePing, encodePing } from './ping.js';
import { decodePublish, encodePublish } from './publish.js';
import { Reader } from './reader.js';
import { decodeCodes, encodeFilters } from './subscribe.js';

/**
 * Decodes the packet at buf[off, off+len) (exactly one packet, as the framer delimits it), sent
 * by a server, in protocol `version`. Returns 0, or a negated reason code.
 */
export function decodeServerPacket(r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet): number {
  const rc = readFixedHeader(r, buf, off, len, version, p);
  return rc < 0 ? rc : decodeServerBody(r, p);
}

/** Decodes the body in r of a packet a server sent (the fixed header already read into p). */
export function decodeServerBody(r: Reader, p: Packet): number {
  switch (p.type) {
    case PacketType.Connack: return decodeConnack(r, p);
    case PacketType.Publish: return decodePublish(r, p);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return decodeAck(r, p);
    case PacketType.Suback:
    case PacketType.Unsuback: return decodeCodes(r, p);
    case PacketType.Pingresp: return decodePing(r, p);
    case PacketType.Disconnect:
    case PacketType.Auth: return decodeDisconnectOrAuth(r, p);
    // CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ are never sent to a client: the code the session
    // answers them with.
    default: return -ReasonCode.ProtocolError;
  }
}

/** Encodes p, a packet a client sends, at out[off]: its length, or a negated reason code (0x95 when it does not fit). */
export function encodeClientPacket(p: Packet, out: Uint8Array, off: number): number {
  switch (p.type) {
    case PacketType.Connect: return encodeConnect(p, out, off);
    case PacketType.Publish: return encodePublish(p, out, off);
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp: return encodeAck(p, out, off);
    case PacketType.Subscribe:
    case PacketType.Unsubscribe: return encodeFilters(p, out, off);
    case PacketType.Pingreq: return encodePing(p, out, off);
    case PacketType.Disconnect:
    case PacketType.Auth: return encodeDisconnectOrAuth(p, out, off);
    default: return -ReasonCode.MalformedPacket;
  }
}
