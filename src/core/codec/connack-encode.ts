// CONNACK encoding, and the MQTT 5 reason code to 3.1.1 return code mapping: what a server
// writes; a client never sends CONNACK, so this stays out of its build.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { CONNACK_MASK, V3_TO_V5 } from './connack.js';
import { Packet } from './packet.js';
import { propertiesSize, writeProperties } from './properties.js';
import { varintSize } from './varint.js';
import { beginPacket } from './writer.js';

/** The 3.1.1 CONNACK return code closest to an MQTT 5 reason code. */
export function connackReturnCodeV3(code: number): number {
  for (let i = 0; i < V3_TO_V5.length; i++) if (V3_TO_V5[i] === code) return i;
  if (code === ReasonCode.BadAuthenticationMethod) return 4;
  if (code === ReasonCode.Banned) return 5;
  return 3; // server unavailable
}

export function encodeConnack(p: Packet, out: Uint8Array, off: number): number {
  let remaining = 2;
  let propsSize = 0;
  const v5 = p.version === ProtocolVersion.V5;
  if (v5) {
    propsSize = propertiesSize(p.props, CONNACK_MASK);
    if (propsSize < 0) return propsSize;
    remaining += varintSize(propsSize) + propsSize;
  }
  let pos = beginPacket(out, off, PacketType.Connack << 4, remaining);
  if (pos < 0) return pos;
  out[pos++] = p.sessionPresent && p.reasonCode === 0 ? 1 : 0;
  out[pos++] = v5 ? p.reasonCode : connackReturnCodeV3(p.reasonCode);
  if (v5) pos = writeProperties(out, pos, p.props, propsSize);
  return pos - off;
}
