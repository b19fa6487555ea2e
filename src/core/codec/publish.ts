// PUBLISH (MQTT 5 section 3.3, 3.1.1 section 3.3): flags DUP/QoS/RETAIN, topic, packet id when
// QoS > 0, properties, payload.
import { PacketType, ProtocolVersion, PropertyId, ReasonCode } from './constants.js';
import { Chunk, Packet } from './packet.js';
import { decodeProperties, propertiesSize, writeProperties } from './properties.js';
import { Reader } from './reader.js';
import { validateTopicNameUtf8 } from '../topic/validate.js';
import { varintSize } from './varint.js';
import { beginPacketPart, writeLengthPrefixed, writeRaw, writeU16 } from './writer.js';

const PUBLISH_MASK = 1 << PacketType.Publish;

/**
 * Reads flags, topic, packet id and properties; the payload is the rest of the packet.
 * Also used by the framer on the head of a streamed PUBLISH.
 */
export function decodePublishHead(r: Reader, p: Packet): number {
  const flags = p.flags;
  p.dup = (flags & 0x08) !== 0;
  p.qos = (flags >> 1) & 0x03;
  p.retain = (flags & 0x01) !== 0;
  // MQTT-3.3.1-4: QoS 3 is malformed.
  if (p.qos === 3) return -ReasonCode.MalformedPacket;
  // MQTT-3.3.1-2: DUP is 0 for every QoS 0 message.
  if (p.dup && p.qos === 0) return -ReasonCode.MalformedPacket;
  p.topicOff = r.binary();
  p.topicLen = r.len;
  p.topic = r.buf;
  // UTF-8 and the topic rules in one pass; bad UTF-8 (malformed) is reported first, as a
  // utf8() read would, the topic rules after the properties.
  const topicRc = r.err === 0 ? validateTopicNameUtf8(r.buf, p.topicOff, p.topicLen) : 0;
  if (topicRc === -ReasonCode.MalformedPacket) return topicRc;
  p.packetId = 0;
  if (p.qos > 0) {
    p.packetId = r.u16();
    // MQTT-2.2.1-3: a QoS 1 or 2 PUBLISH has a non-zero packet identifier.
    if (r.err === 0 && p.packetId === 0) return -ReasonCode.MalformedPacket;
  }
  if (r.err !== 0) return -r.err;
  if (p.version === ProtocolVersion.V5) {
    const rc = decodeProperties(r, p.props, PUBLISH_MASK);
    if (rc < 0) return rc;
    // 3.3.2.3.4: a zero-length topic needs a topic alias, else it is a protocol error.
    if (p.topicLen === 0) return p.props.has(PropertyId.TopicAlias) ? 0 : -ReasonCode.ProtocolError;
  } else {
    p.props.clear();
  }
  // MQTT-3.3.2-2: no wildcards in a topic name; MQTT-4.7.3-1: not empty.
  return topicRc;
}

export function decodePublish(r: Reader, p: Packet): number {
  const rc = decodePublishHead(r, p);
  if (rc < 0) return rc;
  p.payload = r.buf;
  p.payloadOff = r.pos;
  p.payloadLen = r.end - r.pos;
  p.chunk = Chunk.Whole;
  return 0;
}

/** Encodes the whole PUBLISH; the length, or a negated reason code. */
export function encodePublish(p: Packet, out: Uint8Array, off: number): number {
  return writePublish(p, out, off, true);
}

/**
 * Encodes everything but the payload, so a large payload can be written to the transport
 * straight from where it lies. Returns the header's length; the packet is that plus payloadLen.
 */
export function encodePublishHeader(p: Packet, out: Uint8Array, off: number): number {
  return writePublish(p, out, off, false);
}

function writePublish(p: Packet, out: Uint8Array, off: number, withPayload: boolean): number {
  const qos = p.qos;
  if (qos < 0 || qos > 2) return -ReasonCode.MalformedPacket;
  if (qos > 0 && (p.packetId <= 0 || p.packetId > 0xffff)) return -ReasonCode.MalformedPacket;
  if (p.topicLen > 0xffff) return -ReasonCode.TopicNameInvalid;
  const v5 = p.version === ProtocolVersion.V5;
  let remaining = 2 + p.topicLen + (qos > 0 ? 2 : 0) + p.payloadLen;
  let propsSize = 0;
  if (v5) {
    propsSize = propertiesSize(p.props, PUBLISH_MASK);
    if (propsSize < 0) return propsSize;
    remaining += varintSize(propsSize) + propsSize;
  }
  const first = (PacketType.Publish << 4) | (p.dup && qos > 0 ? 0x08 : 0) | (qos << 1) | (p.retain ? 1 : 0);
  // Only the bytes written here need to fit in out.
  let pos = beginPacketPart(out, off, first, remaining, withPayload ? remaining : remaining - p.payloadLen);
  if (pos < 0) return pos;
  pos = writeLengthPrefixed(out, pos, p.topic, p.topicOff, p.topicLen);
  if (qos > 0) pos = writeU16(out, pos, p.packetId);
  if (v5) pos = writeProperties(out, pos, p.props, propsSize);
  if (withPayload) pos = writeRaw(out, pos, p.payload, p.payloadOff, p.payloadLen);
  return pos - off;
}
