// Both directions, one entry point each way, for the broker and the tests: decodePacket reads a
// whole packet (fixed header included) into the reused record; encodePacket writes the record into
// a caller-owned buffer. Built from client.ts and server.ts; a client imports client.ts alone.
import { PacketType } from './constants.js';
import { decodeServerBody, encodeClientPacket } from './client.js';
import { readFixedHeader } from './header.js';
import { Packet } from './packet.js';
import { Reader } from './reader.js';
import { decodeClientBody, encodeServerPacket } from './server.js';

export { checkFixedHeader } from './header.js';

// Packets only a client sends (decoded by the server's half); the rest go through the client's.
const FROM_CLIENT_ONLY = (1 << PacketType.Connect) | (1 << PacketType.Subscribe) | (1 << PacketType.Unsubscribe) | (1 << PacketType.Pingreq);
// Packets only a server sends (encoded by the server's half).
const FROM_SERVER_ONLY = (1 << PacketType.Connack) | (1 << PacketType.Suback) | (1 << PacketType.Unsuback) | (1 << PacketType.Pingresp);

/**
 * Decodes the packet at buf[off, off+len) (exactly one packet, as the framer delimits it) in
 * protocol `version` (CONNECT brings its own). Returns 0, or a negated reason code.
 */
export function decodePacket(r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet): number {
  const rc = readFixedHeader(r, buf, off, len, version, p);
  return rc < 0 ? rc : decodeBody(r, p);
}

/** Decodes the variable header and payload in r (the fixed header already read into p). */
export function decodeBody(r: Reader, p: Packet): number {
  return ((FROM_CLIENT_ONLY >> p.type) & 1) !== 0 ? decodeClientBody(r, p) : decodeServerBody(r, p);
}

/** Encodes p at out[off]: the packet's length, or a negated reason code (0x95 when it does not fit). */
export function encodePacket(p: Packet, out: Uint8Array, off: number): number {
  return ((FROM_SERVER_ONLY >> p.type) & 1) !== 0 ? encodeServerPacket(p, out, off) : encodeClientPacket(p, out, off);
}
