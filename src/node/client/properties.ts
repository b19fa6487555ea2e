// MQTT 5 properties between MQTT.js's names and the core's records: a received record as an
// object (copying its bytes), and an object written into a record about to be sent.
import { PropertyId } from '../../core/codec/constants.js';
import { Properties, PROPERTY_IDS, PROPERTY_TYPE, PropType } from '../../core/codec/properties.js';
import type { OutgoingProperties } from './options.js';

/** Camel-case names of MQTT 5 properties, as MQTT.js spells them. */
const PROPERTY_NAMES: Record<number, string> = {
  [PropertyId.PayloadFormatIndicator]: 'payloadFormatIndicator',
  [PropertyId.MessageExpiryInterval]: 'messageExpiryInterval',
  [PropertyId.ContentType]: 'contentType',
  [PropertyId.ResponseTopic]: 'responseTopic',
  [PropertyId.CorrelationData]: 'correlationData',
  [PropertyId.SubscriptionIdentifier]: 'subscriptionIdentifier',
  [PropertyId.SessionExpiryInterval]: 'sessionExpiryInterval',
  [PropertyId.AssignedClientIdentifier]: 'assignedClientIdentifier',
  [PropertyId.ServerKeepAlive]: 'serverKeepAlive',
  [PropertyId.AuthenticationMethod]: 'authenticationMethod',
  [PropertyId.AuthenticationData]: 'authenticationData',
  [PropertyId.RequestProblemInformation]: 'requestProblemInformation',
  [PropertyId.WillDelayInterval]: 'willDelayInterval',
  [PropertyId.RequestResponseInformation]: 'requestResponseInformation',
  [PropertyId.ResponseInformation]: 'responseInformation',
  [PropertyId.ServerReference]: 'serverReference',
  [PropertyId.ReasonString]: 'reasonString',
  [PropertyId.ReceiveMaximum]: 'receiveMaximum',
  [PropertyId.TopicAliasMaximum]: 'topicAliasMaximum',
  [PropertyId.TopicAlias]: 'topicAlias',
  [PropertyId.MaximumQos]: 'maximumQoS',
  [PropertyId.RetainAvailable]: 'retainAvailable',
  [PropertyId.MaximumPacketSize]: 'maximumPacketSize',
  [PropertyId.WildcardSubscriptionAvailable]: 'wildcardSubscriptionAvailable',
  [PropertyId.SubscriptionIdentifierAvailable]: 'subscriptionIdentifiersAvailable',
  [PropertyId.SharedSubscriptionAvailable]: 'sharedSubscriptionAvailable',
};

function bytesOf(buf: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len);
}

/**
 * Byte fields of a Properties record. The codec moved from public arrays (bufs/off/len,
 * userKeyBuf...) to accessors (bufferOf/offsetOf/lengthOf, userKeyBuffer(i)...); both are read.
 */
interface PropertiesArrays {
  bufs: Uint8Array[]; off: Int32Array; len: Int32Array; subIds: Uint32Array;
  userKeyBuf: Uint8Array[]; userKeyOff: Int32Array; userKeyLen: Int32Array;
  userValueBuf: Uint8Array[]; userValueOff: Int32Array; userValueLen: Int32Array;
}
interface PropertiesAccessors {
  bufferOf(id: number): Uint8Array; offsetOf(id: number): number; lengthOf(id: number): number; subscriptionId(i: number): number;
  userKeyBuffer(i: number): Uint8Array; userKeyOffset(i: number): number; userKeyLength(i: number): number;
  userValueBuffer(i: number): Uint8Array; userValueOffset(i: number): number; userValueLength(i: number): number;
}
const hasAccessors = (p: Properties): boolean => typeof (p as { bufferOf?: unknown }).bufferOf === 'function';
const accessors = (p: Properties): PropertiesAccessors => p as unknown as PropertiesAccessors;

export function propBytes(p: Properties, id: number): Buffer {
  if (hasAccessors(p)) {
    const x = accessors(p);
    return bytesOf(x.bufferOf(id), x.offsetOf(id), x.lengthOf(id));
  }
  const a = p as unknown as PropertiesArrays;
  return bytesOf(a.bufs[id], a.off[id], a.len[id]);
}

function subscriptionIdAt(p: Properties, i: number): number {
  return hasAccessors(p) ? accessors(p).subscriptionId(i) : (p as unknown as PropertiesArrays).subIds[i];
}

function userPropertyAt(p: Properties, i: number): [string, string] {
  if (hasAccessors(p)) {
    const x = accessors(p);
    return [bytesOf(x.userKeyBuffer(i), x.userKeyOffset(i), x.userKeyLength(i)).toString('utf8'),
      bytesOf(x.userValueBuffer(i), x.userValueOffset(i), x.userValueLength(i)).toString('utf8')];
  }
  const a = p as unknown as PropertiesArrays;
  return [bytesOf(a.userKeyBuf[i], a.userKeyOff[i], a.userKeyLen[i]).toString('utf8'),
    bytesOf(a.userValueBuf[i], a.userValueOff[i], a.userValueLen[i]).toString('utf8')];
}

/** A received record's properties as an object (copies every byte field). */
export function propertiesObject(p: Properties): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < PROPERTY_IDS.length; i++) {
    const id = PROPERTY_IDS[i];
    if (id === PropertyId.UserProperty || id === PropertyId.SubscriptionIdentifier || !p.has(id)) continue;
    const name = PROPERTY_NAMES[id] ?? `property${id}`;
    const t = PROPERTY_TYPE[id];
    if (t === PropType.Utf8) o[name] = propBytes(p, id).toString('utf8');
    else if (t === PropType.Binary) o[name] = Buffer.from(propBytes(p, id));
    else o[name] = p.get(id);
  }
  if (p.subIdCount > 0) o.subscriptionIdentifier = p.subIdCount === 1 ? subscriptionIdAt(p, 0) : Array.from({ length: p.subIdCount }, (_, i) => subscriptionIdAt(p, i));
  if (p.userCount > 0) {
    const u: Record<string, string | string[]> = {};
    for (let i = 0; i < p.userCount; i++) {
      const [k, v] = userPropertyAt(p, i);
      const had = u[k];
      u[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    o.userProperties = u;
  }
  return o;
}

/** Fills an outgoing record's properties; the Buffers made here must live until the packet is encoded. */
export function fillMessageProperties(p: Properties, m: OutgoingProperties): void {
  const setString = (id: number, s: string): void => {
    const b = Buffer.from(s, 'utf8');
    p.setBytes(id, b, 0, b.length);
  };
  if (m.payloadFormatIndicator !== undefined) p.setNumber(PropertyId.PayloadFormatIndicator, Number(m.payloadFormatIndicator));
  if (m.messageExpiryInterval !== undefined) p.setNumber(PropertyId.MessageExpiryInterval, m.messageExpiryInterval);
  if (m.contentType !== undefined) setString(PropertyId.ContentType, m.contentType);
  if (m.responseTopic !== undefined) setString(PropertyId.ResponseTopic, m.responseTopic);
  if (m.correlationData !== undefined) p.setBytes(PropertyId.CorrelationData, m.correlationData, 0, m.correlationData.length);
  if (m.userProperties !== undefined) fillUserProperties(p, m.userProperties);
}

/** Adds user properties ({ key: value | [values] }) to an outgoing record. */
export function fillUserProperties(p: Properties, user: Record<string, string | string[]>): void {
  for (const [k, vs] of Object.entries(user)) {
    for (const v of Array.isArray(vs) ? vs : [vs]) {
      const kb = Buffer.from(k, 'utf8');
      const vb = Buffer.from(String(v), 'utf8');
      p.addUserProperty(kb, 0, kb.length, vb, 0, vb.length);
    }
  }
}

/** How many user properties an object ({ key: value | [values] }) holds. */
export function userPropertyCount(user: Record<string, string | string[]> | undefined): number {
  let n = 0;
  if (user !== undefined) for (const vs of Object.values(user)) n += Array.isArray(vs) ? vs.length : 1;
  return n;
}
