// MQTT 5 properties between the drop-ins' option objects and the session: those of a PUBLISH
// (both drop-ins), of CONNECT and the will (mqtt/js), and a received packet's as an object
// (mqtt/js). Everything here is cold: called once per call that carries properties.
import type { Packet } from '../../src/core/codec/packet.js';
import type { Properties } from '../../src/core/codec/properties.js';
import { PropertyId } from '../../src/core/codec/constants.js';
import { decodeUtf8 } from '../../src/core/codec/utf8.js';
import { utf8, type SessionOptions } from '../../src/core/session/options.js';

/**
 * The properties of the next PUBLISH (the bytes stay referenced until the session copies them):
 * expiry and format -1 when absent, the byte properties null.
 */
/* cold */
export function setPublishProperties(pp: Properties, expiry: number, format: number, contentType: Uint8Array | null, responseTopic: Uint8Array | null, correlationData: Uint8Array | null): void {
  if (expiry >= 0) pp.setNumber(PropertyId.MessageExpiryInterval, expiry);
  if (format >= 0) pp.setNumber(PropertyId.PayloadFormatIndicator, format);
  if (contentType !== null) pp.setBytes(PropertyId.ContentType, contentType, 0, contentType.length);
  if (responseTopic !== null) pp.setBytes(PropertyId.ResponseTopic, responseTopic, 0, responseTopic.length);
  if (correlationData !== null) pp.setBytes(PropertyId.CorrelationData, correlationData, 0, correlationData.length);
}

/** MQTT.js's userProperties ({key: value or [values]}) on the next PUBLISH. */
/* cold */
export function addUserProperties(pp: Properties, user: Record<string, string | string[]>): void {
  const keys = Object.keys(user);
  for (let i = 0; i < keys.length; i++) {
    const k = utf8(keys[i]);
    const v = user[keys[i]];
    const values = Array.isArray(v) ? v : [v];
    for (let j = 0; j < values.length; j++) {
      const b = utf8(String(values[j]));
      pp.addUserProperty(k, 0, k.length, b, 0, b.length);
    }
  }
}

/** MQTT.js's CONNECT properties: sessionExpiryInterval, receiveMaximum, maximumPacketSize, topicAliasMaximum, requestResponseInformation, requestProblemInformation. */
/* cold */
export function setConnectProperties(so: SessionOptions, p: Record<string, unknown>): void {
  if (typeof p.sessionExpiryInterval === 'number') so.sessionExpiry = p.sessionExpiryInterval;
  if (typeof p.receiveMaximum === 'number') so.inboundQos2 = p.receiveMaximum;
  if (typeof p.maximumPacketSize === 'number') so.maximumPacketSize = p.maximumPacketSize;
  if (typeof p.topicAliasMaximum === 'number') so.topicAliasMaximum = p.topicAliasMaximum;
  if (p.requestResponseInformation !== undefined) so.requestResponseInformation = p.requestResponseInformation === true;
  if (p.requestProblemInformation !== undefined) so.requestProblemInformation = p.requestProblemInformation !== false;
}

/** MQTT.js's will properties: willDelayInterval, messageExpiryInterval, payloadFormatIndicator, contentType. */
/* cold */
export function setWillProperties(so: SessionOptions, wp: Record<string, unknown>): void {
  if (typeof wp.willDelayInterval === 'number') so.willDelay = wp.willDelayInterval;
  if (typeof wp.messageExpiryInterval === 'number') so.willMessageExpiry = wp.messageExpiryInterval;
  if (wp.payloadFormatIndicator !== undefined) so.willPayloadFormat = wp.payloadFormatIndicator ? 1 : 0;
  if (typeof wp.contentType === 'string') so.willContentType = utf8(wp.contentType);
}

/** A message carries properties the application sees (not only a topic alias, which the session resolves). */
export function reportable(msg: Packet): boolean {
  const pr = msg.props;
  return pr.userCount > 0 || pr.subIdCount > 0 || pr.has(PropertyId.PayloadFormatIndicator) || pr.has(PropertyId.MessageExpiryInterval) ||
    pr.has(PropertyId.ContentType) || pr.has(PropertyId.ResponseTopic) || pr.has(PropertyId.CorrelationData);
}

/** A received packet's properties as MQTT.js gives them. */
/* cold */
export function propertiesObject(p: Packet): Record<string, unknown> {
  const pr = p.props;
  const out: Record<string, unknown> = {};
  const str = (id: number): string => decodeUtf8(pr.bufferOf(id), pr.offsetOf(id), pr.lengthOf(id));
  if (pr.has(PropertyId.PayloadFormatIndicator)) out.payloadFormatIndicator = pr.get(PropertyId.PayloadFormatIndicator) === 1;
  if (pr.has(PropertyId.MessageExpiryInterval)) out.messageExpiryInterval = pr.get(PropertyId.MessageExpiryInterval);
  if (pr.has(PropertyId.ContentType)) out.contentType = str(PropertyId.ContentType);
  if (pr.has(PropertyId.ResponseTopic)) out.responseTopic = str(PropertyId.ResponseTopic);
  if (pr.has(PropertyId.ReasonString)) out.reasonString = str(PropertyId.ReasonString);
  if (pr.has(PropertyId.ServerReference)) out.serverReference = str(PropertyId.ServerReference);
  if (pr.has(PropertyId.CorrelationData)) {
    const b = pr.bufferOf(PropertyId.CorrelationData);
    const at = b.byteOffset + pr.offsetOf(PropertyId.CorrelationData);
    out.correlationData = (b.buffer as ArrayBuffer).slice(at, at + pr.lengthOf(PropertyId.CorrelationData));
  }
  if (pr.subIdCount > 0) out.subscriptionIdentifier = pr.subscriptionId(0);
  if (pr.userCount > 0) {
    const user: Record<string, string> = {};
    for (let i = 0; i < pr.userCount; i++) {
      user[decodeUtf8(pr.userKeyBuffer(i), pr.userKeyOffset(i), pr.userKeyLength(i))] = decodeUtf8(pr.userValueBuffer(i), pr.userValueOffset(i), pr.userValueLength(i));
    }
    out.userProperties = user;
  }
  return out;
}
