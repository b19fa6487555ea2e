// CONNECT (MQTT 5 section 3.1, 3.1.1 section 3.1): protocol name and level, flags, keep alive,
// properties, then client id, will, user name and password.
import { PacketType, ProtocolVersion, ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { decodeProperties, propertiesSize, WILL_PROPERTIES, writeProperties } from './properties.js';
import { Reader } from './reader.js';
import { validateTopicName } from '../topic/validate.js';
import { varintSize } from './varint.js';
import { beginPacket, writeLengthPrefixed, writeU16 } from './writer.js';

const CONNECT_MASK = 1 << PacketType.Connect;

// "MQTT" for levels 4 and 5, "MQIsdp" for level 3.
const NAME_MQTT = new Uint8Array([0x4d, 0x51, 0x54, 0x54]);
const NAME_MQISDP = new Uint8Array([0x4d, 0x51, 0x49, 0x73, 0x64, 0x70]);

function sameBytes(buf: Uint8Array, off: number, len: number, name: Uint8Array): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if (buf[off + i] !== name[i]) return false;
  return true;
}

export function decodeConnect(r: Reader, p: Packet): number {
  const nameOff = r.utf8();
  const nameLen = r.len;
  const level = r.u8();
  if (r.err !== 0) return -r.err;
  // MQTT-3.1.2-1, MQTT-3.1.2-2: the name goes with the level; anything else is unsupported.
  const name = level === ProtocolVersion.V31 ? NAME_MQISDP : NAME_MQTT;
  if (level < ProtocolVersion.V31 || level > ProtocolVersion.V5 || !sameBytes(r.buf, nameOff, nameLen, name)) {
    return -ReasonCode.UnsupportedProtocolVersion;
  }
  p.version = level;
  const flags = r.u8();
  p.keepAlive = r.u16();
  if (r.err !== 0) return -r.err;
  // MQTT-3.1.2-3: the reserved flag is zero.
  if ((flags & 0x01) !== 0) return -ReasonCode.MalformedPacket;
  p.cleanStart = (flags & 0x02) !== 0;
  p.willFlag = (flags & 0x04) !== 0;
  p.willQos = (flags >> 3) & 0x03;
  p.willRetain = (flags & 0x20) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  const hasUsername = (flags & 0x80) !== 0;
  // MQTT-3.1.2-11, MQTT-3.1.2-13: no will, no will QoS or retain; MQTT-3.1.2-12: QoS 3 is malformed.
  if (p.willQos === 3) return -ReasonCode.MalformedPacket;
  if (!p.willFlag && (p.willQos !== 0 || p.willRetain)) return -ReasonCode.MalformedPacket;
  // 3.1.1 MQTT-3.1.2-22: a password needs a user name (MQTT 5 lifted this).
  if (level < ProtocolVersion.V5 && hasPassword && !hasUsername) return -ReasonCode.MalformedPacket;
  if (level === ProtocolVersion.V5) {
    const rc = decodeProperties(r, p.props, CONNECT_MASK);
    if (rc < 0) return rc;
  } else {
    p.props.clear();
  }
  p.clientIdOff = r.utf8();
  p.clientIdLen = r.len;
  p.clientId = r.buf;
  const wp = p.willProps;
  if (wp !== null) wp.clear();
  if (p.willFlag) {
    if (level === ProtocolVersion.V5) {
      // A record built without will properties cannot hold them.
      if (wp === null) return -ReasonCode.ImplementationSpecificError;
      const rc = decodeProperties(r, wp, WILL_PROPERTIES);
      if (rc < 0) return rc;
    }
    p.willTopicOff = r.utf8();
    p.willTopicLen = r.len;
    p.willTopic = r.buf;
    p.willPayloadOff = r.binary();
    p.willPayloadLen = r.len;
    p.willPayload = r.buf;
    if (r.err !== 0) return -r.err;
    const rc = validateTopicName(r.buf, p.willTopicOff, p.willTopicLen);
    if (rc < 0) return rc;
  } else {
    p.willTopicLen = 0;
    p.willPayloadLen = 0;
  }
  p.usernameLen = -1;
  p.passwordLen = -1;
  if (hasUsername) {
    p.usernameOff = r.utf8();
    p.usernameLen = r.len;
    p.username = r.buf;
  }
  if (hasPassword) {
    p.passwordOff = r.binary();
    p.passwordLen = r.len;
    p.password = r.buf;
  }
  if (r.err !== 0) return -r.err;
  // The remaining length must agree with the contents.
  if (r.pos !== r.end) return -ReasonCode.MalformedPacket;
  return 0;
}

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
