// The fixed header (MQTT 5 section 2.1, 3.1.1 section 2.2): checked the same way in both
// directions, before a body decoder of either direction runs.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Chunk, Packet } from './packet.js';
import { Reader } from './reader.js';
import { readVarint, varintSize } from './varint.js';

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
 * Reads the fixed header of the packet at buf[off, off+len) (exactly one packet, as the framer
 * delimits it) into p and points r at its body. Returns 0, or a negated reason code.
 */
export function readFixedHeader(r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet): number {
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
  p.chunk = Chunk.Whole;
  r.reset(buf, start, off + len);
  return 0;
}
