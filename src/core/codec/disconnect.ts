// DISCONNECT and AUTH (MQTT 5 sections 3.14, 3.15): an optional reason code and properties.
// In 3.1.1 DISCONNECT is empty and AUTH does not exist.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { Reader } from './reader.js';
import { decodeReasonTail, reasonTailSize, writeReasonTail } from './reason-tail.js';
import { beginPacket } from './writer.js';

export function decodeDisconnectOrAuth(r: Reader, p: Packet): number {
  if (p.version === ProtocolVersion.V5) return decodeReasonTail(r, p, p.type);
  p.reasonCode = 0;
  p.props.clear();
  // 3.1.1 section 3.14: DISCONNECT has no variable header or payload.
  return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
}

export function encodeDisconnectOrAuth(p: Packet, out: Uint8Array, off: number): number {
  const v5 = p.version === ProtocolVersion.V5;
  if (!v5 && p.type === PacketType.Auth) return -ReasonCode.ProtocolError;
  const tail = v5 ? reasonTailSize(p, p.type) : 0;
  if (tail < 0) return tail;
  let pos = beginPacket(out, off, p.type << 4, tail);
  if (pos < 0) return pos;
  pos = writeReasonTail(out, pos, p, p.type, tail);
  return pos - off;
}
