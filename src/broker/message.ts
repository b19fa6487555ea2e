// An application message as the broker holds it between the PUBLISH that brought it and the
// PUBLISHes that deliver it: topic and payload copied out of the receive buffer, the MQTT 5
// properties that pass through, and an absolute expiry.
import { Packet } from '../core/codec/packet.js';
import { Properties } from '../core/codec/properties.js';
import { PropertyId } from '../core/codec/constants.js';

export interface MessageProps {
  payloadFormat: number;
  contentType: Buffer | null;
  responseTopic: Buffer | null;
  correlationData: Buffer | null;
  /** Flattened key, value pairs. */
  user: Buffer[];
}

export interface Message {
  topic: string;
  topicBytes: Buffer;
  payload: Buffer;
  qos: number;
  retain: boolean;
  props: MessageProps | null;
  /** Clock ms when the message expires, 0 for never. */
  expiresAt: number;
  origin: string;
}

export function str(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}

export function copy(buf: Uint8Array, off: number, len: number): Buffer {
  const b = Buffer.allocUnsafe(len);
  b.set(buf.subarray(off, off + len));
  return b;
}

function copyProp(p: Properties, id: number): Buffer | null {
  return p.has(id) ? copy(p.bufferOf(id), p.offsetOf(id), p.lengthOf(id)) : null;
}

/** MQTT-3.3.2-14: a Response Topic (of a PUBLISH or a will) holds no wildcard character. */
export function wildcardResponseTopic(p: Properties): boolean {
  if (!p.has(PropertyId.ResponseTopic)) return false;
  const buf = p.bufferOf(PropertyId.ResponseTopic);
  const off = p.offsetOf(PropertyId.ResponseTopic);
  const end = off + p.lengthOf(PropertyId.ResponseTopic);
  for (let i = off; i < end; i++) if (buf[i] === 0x2b || buf[i] === 0x23) return true;
  return false;
}

const MESSAGE_PROPS = [PropertyId.PayloadFormatIndicator, PropertyId.ContentType, PropertyId.ResponseTopic, PropertyId.CorrelationData];

/** The message properties to pass through (not alias, expiry or subscription ids), or null. */
export function messageProps(p: Properties): MessageProps | null {
  let any = p.userCount > 0;
  for (const id of MESSAGE_PROPS) if (p.has(id)) any = true;
  if (!any) return null;
  const user: Buffer[] = [];
  for (let i = 0; i < p.userCount; i++) {
    user.push(copy(p.userKeyBuffer(i), p.userKeyOffset(i), p.userKeyLength(i)), copy(p.userValueBuffer(i), p.userValueOffset(i), p.userValueLength(i)));
  }
  return {
    payloadFormat: p.has(PropertyId.PayloadFormatIndicator) ? p.get(PropertyId.PayloadFormatIndicator) : -1,
    contentType: copyProp(p, PropertyId.ContentType),
    responseTopic: copyProp(p, PropertyId.ResponseTopic),
    correlationData: copyProp(p, PropertyId.CorrelationData),
    user,
  };
}

/** Fills an outgoing PUBLISH record's properties from a message (v5). */
export function setMessageProps(p: Packet, msg: Message, now: number, subIds: number[] | null): void {
  const props = p.props;
  const mp = msg.props;
  if (mp) {
    if (mp.payloadFormat >= 0) props.setNumber(PropertyId.PayloadFormatIndicator, mp.payloadFormat);
    if (mp.contentType) props.setBytes(PropertyId.ContentType, mp.contentType, 0, mp.contentType.length);
    if (mp.responseTopic) props.setBytes(PropertyId.ResponseTopic, mp.responseTopic, 0, mp.responseTopic.length);
    if (mp.correlationData) props.setBytes(PropertyId.CorrelationData, mp.correlationData, 0, mp.correlationData.length);
    for (let i = 0; i < mp.user.length; i += 2) props.addUserProperty(mp.user[i], 0, mp.user[i].length, mp.user[i + 1], 0, mp.user[i + 1].length);
  }
  if (msg.expiresAt !== 0) {
    // MQTT-3.3.2-6: the interval sent is what is left of it.
    props.setNumber(PropertyId.MessageExpiryInterval, Math.max(0, Math.ceil((msg.expiresAt - now) / 1000)));
  }
  if (subIds) for (const id of subIds) props.addSubscriptionId(id);
}

/** A message the broker publishes itself ($SYS, $bench/events): QoS 0, no properties. */
export function internalMessage(topic: string, payload: Buffer, retain: boolean): Message {
  return { topic, topicBytes: Buffer.from(topic), payload, qos: 0, retain, props: null, expiresAt: 0, origin: '' };
}
