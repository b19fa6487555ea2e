// The optional tail of MQTT 5 PUBACK..PUBCOMP, DISCONNECT and AUTH: a reason code, then
// properties, each omitted when the packet ends early (0x00 and no properties are implied).
import { ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { decodeProperties, propertiesSize, writeProperties } from './properties.js';
import { Reader } from './reader.js';
import { isReasonCodeFor } from './reason-codes.js';
import { varintSize } from './varint.js';

export function decodeReasonTail(r: Reader, p: Packet, type: number): number {
  p.props.clear();
  p.reasonCode = 0;
  if (r.pos === r.end) return 0;
  const code = r.u8();
  if (!isReasonCodeFor(code, type)) return -ReasonCode.ProtocolError;
  p.reasonCode = code;
  if (r.pos === r.end) return 0;
  const rc = decodeProperties(r, p.props, 1 << type);
  if (rc < 0) return rc;
  return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
}

/**
 * Bytes the tail takes in the shortest form: none for success without properties, one for a
 * reason code alone, else the code, the property length and the properties.
 */
export function reasonTailSize(p: Packet, type: number): number {
  if (p.reasonCode !== 0 && !isReasonCodeFor(p.reasonCode, type)) return -ReasonCode.ProtocolError;
  if (p.props.isEmpty()) return p.reasonCode === 0 ? 0 : 1;
  const size = propertiesSize(p.props, 1 << type);
  if (size < 0) return size;
  return 1 + varintSize(size) + size;
}

/** Writes the tail sized by reasonTailSize (properties are sized again: they are rare here). */
export function writeReasonTail(out: Uint8Array, pos: number, p: Packet, type: number, tailSize: number): number {
  if (tailSize === 0) return pos;
  out[pos++] = p.reasonCode;
  if (tailSize === 1) return pos;
  return writeProperties(out, pos, p.props, propertiesSize(p.props, 1 << type));
}
