// CONNECT (MQTT 5 section 3.1, 3.1.1 section 3.1): protocol name and level, flags, keep alive,
// properties, then client id, will, user name and password. Encoding only, what a client sends;
// the server's decoder is in connect-decode.ts.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { propertiesSize, WILL_PROPERTIES, writeProperties } from './properties.js';
import { varintSize } from './varint.js';
import { beginPacket, writeLengthPrefixed, writeU16 } from './writer.js';

export const CONNECT_MASK = 1 << PacketType.Connect;

// "MQTT" for levels 4 and 5, "MQIsdp" for level 3.
export const NAME_MQTT = new Uint8Array([0x4d, 0x51, 0x54, 0x54]);
export const NAME_MQISDP = new Uint8Array([0x4d, 0x51, 0x49, 0x73, 0x64, 0x70]);

export function encodeConnect(p: Packet, out: Uint8Array, off: number): number {
  const level = p.version;
  if (level < ProtocolVersion.V31 || level > ProtocolVersion.V5) return -ReasonCode.UnsupportedProtocolVersion;
  if (p.willFlag && p.willQos > 2) return -ReasonCode.MalformedPacket;
  if (level < ProtocolVersion.V5 && p.passwordLen >= 0 && p.usernameLen < 0) return -ReasonCode.MalformedPacket;
  // Every string and binary field carries a two-byte length.
  if (p.clientIdLen > 0xffff || p.usernameLen > 0xffff || p.passwordLen > 0xffff ||
    (p.willFlag && (p.willTopicLen > 0xffff || p.willPayloadLen > 0xffff))) return -ReasonCode.MalformedPacket;
  const name = level === ProtocolVersion.V31 ? NAME_MQISDP : NAME_MQTT;
  let remaining = 2 + name.length + 1 + 1 + 2 + 2 + p.clientIdLen;
  let propsSize = 0;
  let willPropsSize = 0;
  if (level === ProtocolVersion.V5) {
    propsSize = propertiesSize(p.props, CONNECT_MASK);
    if (propsSize < 0) return propsSize;
    remaining += varintSize(propsSize) + propsSize;
  }
  if (p.willFlag) {
    remaining += 4 + p.willTopicLen + p.willPayloadLen;
    if (level === ProtocolVersion.V5) {
      willPropsSize = p.willProps === null ? 0 : propertiesSize(p.willProps, WILL_PROPERTIES);
      if (willPropsSize < 0) return willPropsSize;
      remaining += varintSize(willPropsSize) + willPropsSize;
    }
  }
  if (p.usernameLen >= 0) remaining += 2 + p.usernameLen;
  if (p.passwordLen >= 0) remaining += 2 + p.passwordLen;
  let pos = beginPacket(out, off, PacketType.Connect << 4, remaining);
  if (pos < 0) return pos;
  pos = writeLengthPrefixed(out, pos, name, 0, name.length);
  out[pos++] = level;
  let flags = p.cleanStart ? 0x02 : 0;
  if (p.willFlag) flags |= 0x04 | (p.willQos << 3) | (p.willRetain ? 0x20 : 0);
  if (p.passwordLen >= 0) flags |= 0x40;
  if (p.usernameLen >= 0) flags |= 0x80;
  out[pos++] = flags;
  pos = writeU16(out, pos, p.keepAlive);
  if (level === ProtocolVersion.V5) pos = writeProperties(out, pos, p.props, propsSize);
  pos = writeLengthPrefixed(out, pos, p.clientId, p.clientIdOff, p.clientIdLen);
  if (p.willFlag) {
    if (level === ProtocolVersion.V5) {
      if (p.willProps === null) out[pos++] = 0;
      else pos = writeProperties(out, pos, p.willProps, willPropsSize);
    }
    pos = writeLengthPrefixed(out, pos, p.willTopic, p.willTopicOff, p.willTopicLen);
    pos = writeLengthPrefixed(out, pos, p.willPayload, p.willPayloadOff, p.willPayloadLen);
  }
  if (p.usernameLen >= 0) pos = writeLengthPrefixed(out, pos, p.username, p.usernameOff, p.usernameLen);
  if (p.passwordLen >= 0) pos = writeLengthPrefixed(out, pos, p.password, p.passwordOff, p.passwordLen);
  return pos - off;
}
