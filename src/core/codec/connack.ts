// CONNACK (MQTT 5 section 3.2, 3.1.1 section 3.2): session present, reason code, properties.
// 3.1.1 return codes 0..5 are mapped onto the MQTT 5 reason codes. Decoding only, what a client
// reads; the server's encoder is in connack-encode.ts.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { decodeProperties } from './properties.js';
import { Reader } from './reader.js';
import { isReasonCodeFor } from './reason-codes.js';

export const CONNACK_MASK = 1 << PacketType.Connack;

// Index: 3.1.1 return code; value: MQTT 5 reason code.
export const V3_TO_V5 = new Uint8Array([
  ReasonCode.Success,
  ReasonCode.UnsupportedProtocolVersion,
  ReasonCode.ClientIdentifierNotValid,
  ReasonCode.ServerUnavailable,
  ReasonCode.BadUserNameOrPassword,
  ReasonCode.NotAuthorized,
]);

export function decodeConnack(r: Reader, p: Packet): number {
  const flags = r.u8();
  const code = r.u8();
  if (r.err !== 0) return -r.err;
  // MQTT-3.2.2-1: bits 7..1 of the acknowledge flags are reserved.
  if ((flags & 0xfe) !== 0) return -ReasonCode.MalformedPacket;
  p.sessionPresent = (flags & 0x01) !== 0;
  if (p.version === ProtocolVersion.V5) {
    if (!isReasonCodeFor(code, PacketType.Connack)) return -ReasonCode.ProtocolError;
    p.reasonCode = code;
    const rc = decodeProperties(r, p.props, CONNACK_MASK);
    if (rc < 0) return rc;
  } else {
    // 3.1.1 section 3.2.2.3: return codes 6..255 are reserved.
    if (code >= V3_TO_V5.length) return -ReasonCode.MalformedPacket;
    p.reasonCode = V3_TO_V5[code];
    p.props.clear();
  }
  // MQTT-3.2.2-6 (5.0) / MQTT-3.2.2-4 (3.1.1): a refused connection has session present 0.
  if (p.reasonCode !== 0 && p.sessionPresent) return -ReasonCode.ProtocolError;
  if (r.pos !== r.end) return -ReasonCode.MalformedPacket;
  return 0;
}
