// PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5 sections 3.4-3.7): a packet id, and in MQTT 5 an
// optional reason code and properties.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { Reader } from './reader.js';
import { decodeReasonTail, reasonTailSize, writeReasonTail } from './reason-tail.js';
import { beginPacket, writeU16 } from './writer.js';

export function decodeAck(r: Reader, p: Packet): number {
  p.packetId = r.u16();
  if (r.err !== 0) return -r.err;
  // MQTT-2.2.1-3 family: packet identifiers are non-zero.
  if (p.packetId === 0) return -ReasonCode.MalformedPacket;
  if (p.version === ProtocolVersion.V5) return decodeReasonTail(r, p, p.type);
  p.reasonCode = 0;
  p.props.clear();
  // 3.1.1: exactly two bytes.
  return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
}

export function encodeAck(p: Packet, out: Uint8Array, off: number): number {
  if (p.packetId <= 0 || p.packetId > 0xffff) return -ReasonCode.MalformedPacket;
  const type = p.type;
  const tail = p.version === ProtocolVersion.V5 ? reasonTailSize(p, type) : 0;
  if (tail < 0) return tail;
  // MQTT-3.6.1-1: PUBREL's fixed header flags are 0010.
  const first = (type << 4) | (type === PacketType.Pubrel ? 0x02 : 0);
  let pos = beginPacket(out, off, first, 2 + tail);
  if (pos < 0) return pos;
  pos = writeU16(out, pos, p.packetId);
  pos = writeReasonTail(out, pos, p, type, tail);
  return pos - off;
}
