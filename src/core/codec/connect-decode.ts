// CONNECT decoding: what a server reads; a client never receives CONNECT, so this stays out of
// its build.
import { ProtocolVersion, ReasonCode } from './constants.js';
import { CONNECT_MASK, NAME_MQISDP, NAME_MQTT } from './connect.js';
import { Packet } from './packet.js';
import { decodeProperties, WILL_PROPERTIES } from './properties.js';
import { Reader } from './reader.js';
import { validateTopicName } from '../topic/validate.js';

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
