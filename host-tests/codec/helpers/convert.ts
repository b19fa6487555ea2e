// The one converter between the codec's reused `Packet` record and mqtt-packet 9's packet
// objects, plus `canon`, which reduces either side to the fields that matter so the two can
// be compared with deepEqual. mqtt-packet's representation quirks are handled here.
import {
  connackReturnCodeV3,
  Packet,
  PacketType,
  Properties,
  PropertyId,
} from '../../../src/core/codec/index.js';

export type MqttObject = Record<string, any>;

export type PropKind = 'bool' | 'byte' | 'u16' | 'u32' | 'var' | 'str' | 'bin' | 'pair';

export interface PropSpec {
  /** mqtt-packet's name for the property. */
  name: string;
  id: number;
  /**
   * mqtt-packet's quirk: the one-byte 0/1 properties are booleans ('bool'); Maximum QoS is a
   * number ('byte').
   */
  kind: PropKind;
  /** Where the MQTT 5 spec allows it (section 2.2.2.2, table of property identifiers). */
  packets: string[];
}

/** MQTT 5 section 2.2.2.2, written out independently of the codec's own table. */
export const PROPERTIES: PropSpec[] = [
  { name: 'payloadFormatIndicator', id: 0x01, kind: 'bool', packets: ['publish', 'will'] },
  { name: 'messageExpiryInterval', id: 0x02, kind: 'u32', packets: ['publish', 'will'] },
  { name: 'contentType', id: 0x03, kind: 'str', packets: ['publish', 'will'] },
  { name: 'responseTopic', id: 0x08, kind: 'str', packets: ['publish', 'will'] },
  { name: 'correlationData', id: 0x09, kind: 'bin', packets: ['publish', 'will'] },
  { name: 'subscriptionIdentifier', id: 0x0b, kind: 'var', packets: ['publish', 'subscribe'] },
  { name: 'sessionExpiryInterval', id: 0x11, kind: 'u32', packets: ['connect', 'connack', 'disconnect'] },
  { name: 'assignedClientIdentifier', id: 0x12, kind: 'str', packets: ['connack'] },
  { name: 'serverKeepAlive', id: 0x13, kind: 'u16', packets: ['connack'] },
  { name: 'authenticationMethod', id: 0x15, kind: 'str', packets: ['connect', 'connack', 'auth'] },
  { name: 'authenticationData', id: 0x16, kind: 'bin', packets: ['connect', 'connack', 'auth'] },
  { name: 'requestProblemInformation', id: 0x17, kind: 'bool', packets: ['connect'] },
  { name: 'willDelayInterval', id: 0x18, kind: 'u32', packets: ['will'] },
  { name: 'requestResponseInformation', id: 0x19, kind: 'bool', packets: ['connect'] },
  { name: 'responseInformation', id: 0x1a, kind: 'str', packets: ['connack'] },
  { name: 'serverReference', id: 0x1c, kind: 'str', packets: ['connack', 'disconnect'] },
  {
    name: 'reasonString', id: 0x1f, kind: 'str',
    packets: ['connack', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'suback', 'unsuback', 'disconnect', 'auth'],
  },
  { name: 'receiveMaximum', id: 0x21, kind: 'u16', packets: ['connect', 'connack'] },
  { name: 'topicAliasMaximum', id: 0x22, kind: 'u16', packets: ['connect', 'connack'] },
  { name: 'topicAlias', id: 0x23, kind: 'u16', packets: ['publish'] },
  { name: 'maximumQoS', id: 0x24, kind: 'byte', packets: ['connack'] },
  { name: 'retainAvailable', id: 0x25, kind: 'bool', packets: ['connack'] },
  {
    name: 'userProperties', id: 0x26, kind: 'pair',
    packets: ['connect', 'connack', 'publish', 'will', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback',
      'unsubscribe', 'unsuback', 'disconnect', 'auth'],
  },
  { name: 'maximumPacketSize', id: 0x27, kind: 'u32', packets: ['connect', 'connack'] },
  { name: 'wildcardSubscriptionAvailable', id: 0x28, kind: 'bool', packets: ['connack'] },
  { name: 'subscriptionIdentifiersAvailable', id: 0x29, kind: 'bool', packets: ['connack'] },
  { name: 'sharedSubscriptionAvailable', id: 0x2a, kind: 'bool', packets: ['connack'] },
];

const BY_ID = new Map<number, PropSpec>(PROPERTIES.map((s) => [s.id, s]));
const BY_NAME = new Map<string, PropSpec>(PROPERTIES.map((s) => [s.name, s]));

export const CMDS = ['', 'connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe',
  'suback', 'unsubscribe', 'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

/** Protocol levels in which a packet type exists (AUTH is MQTT 5 only). */
export function versionsOf(cmd: string): number[] {
  return cmd === 'auth' ? [5] : [3, 4, 5];
}

// 3.1.1 CONNACK return codes 0..5 and the MQTT 5 reason codes the codec maps them to.
const V3_CONNACK_TO_V5 = [0x00, 0x84, 0x85, 0x88, 0x86, 0x87];

function text(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}

function bytes(buf: Uint8Array, off: number, len: number): Buffer {
  return Buffer.from(Buffer.from(buf.buffer, buf.byteOffset + off, len));
}

function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function toBuffer(v: unknown): Buffer {
  if (typeof v === 'string') return utf8(v);
  if (v instanceof Uint8Array) return Buffer.from(v);
  if (v === undefined || v === null) return Buffer.alloc(0);
  throw new Error(`not bytes: ${String(v)}`);
}

/** Our properties as mqtt-packet's `properties` object, or undefined when there are none. */
export function propsToMqtt(p: Properties): MqttObject | undefined {
  const o: MqttObject = {};
  for (const spec of PROPERTIES) {
    if (spec.kind === 'pair' || spec.id === PropertyId.SubscriptionIdentifier) continue;
    if (!p.has(spec.id)) continue;
    if (spec.kind === 'str') o[spec.name] = text(p.bufferOf(spec.id), p.offsetOf(spec.id), p.lengthOf(spec.id));
    else if (spec.kind === 'bin') o[spec.name] = bytes(p.bufferOf(spec.id), p.offsetOf(spec.id), p.lengthOf(spec.id));
    else if (spec.kind === 'bool') o[spec.name] = p.get(spec.id) !== 0;
    else o[spec.name] = p.get(spec.id);
  }
  // mqtt-packet quirk: one subscription identifier is a number, several are an array.
  if (p.subIdCount === 1) o.subscriptionIdentifier = p.subscriptionId(0);
  else if (p.subIdCount > 1) o.subscriptionIdentifier = Array.from({ length: p.subIdCount }, (_, i) => p.subscriptionId(i));
  if (p.userCount > 0) {
    // mqtt-packet quirk: user properties are an object; a repeated name holds an array of values.
    const up: Record<string, string | string[]> = Object.create(null);
    for (let i = 0; i < p.userCount; i++) {
      const k = text(p.userKeyBuffer(i), p.userKeyOffset(i), p.userKeyLength(i));
      const v = text(p.userValueBuffer(i), p.userValueOffset(i), p.userValueLength(i));
      const prev = up[k];
      if (prev === undefined) up[k] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else up[k] = [prev, v];
    }
    o.userProperties = up;
  }
  return Object.keys(o).length > 0 ? o : undefined;
}

/** Fills p from mqtt-packet's `properties` object (byte fields point into fresh Buffers). */
export function propsFromMqtt(o: MqttObject | undefined, p: Properties): void {
  p.clear();
  if (!o) return;
  for (const name of Object.keys(o)) {
    const v = o[name];
    if (v === undefined) continue;
    const spec = BY_NAME.get(name);
    if (!spec) throw new Error(`unknown property ${name}`);
    if (spec.kind === 'pair') {
      for (const k of Object.keys(v)) {
        const vals = Array.isArray(v[k]) ? v[k] : [v[k]];
        for (const val of vals) {
          const kb = utf8(k);
          const vb = utf8(String(val));
          if (!p.addUserProperty(kb, 0, kb.length, vb, 0, vb.length)) throw new Error('user property capacity');
        }
      }
    } else if (spec.id === PropertyId.SubscriptionIdentifier) {
      for (const id of Array.isArray(v) ? v : [v]) {
        if (!p.addSubscriptionId(id)) throw new Error('subscription id capacity');
      }
    } else if (spec.kind === 'str' || spec.kind === 'bin') {
      const b = toBuffer(v);
      p.setBytes(spec.id, b, 0, b.length);
    } else if (spec.kind === 'bool') {
      p.setNumber(spec.id, v ? 1 : 0);
    } else {
      p.setNumber(spec.id, v);
    }
  }
}

/** Our record as an mqtt-packet packet object (valid as input to mqtt-packet's generate). */
export function toMqtt(p: Packet): MqttObject {
  const v = p.version;
  const cmd = CMDS[p.type];
  const o: MqttObject = { cmd };
  const props = v === 5 ? propsToMqtt(p.props) : undefined;
  switch (p.type) {
    case PacketType.Connect:
      o.protocolId = v === 3 ? 'MQIsdp' : 'MQTT';
      o.protocolVersion = v;
      o.clean = p.cleanStart;
      o.keepalive = p.keepAlive;
      o.clientId = text(p.clientId, p.clientIdOff, p.clientIdLen);
      if (p.usernameLen >= 0) o.username = text(p.username, p.usernameOff, p.usernameLen);
      if (p.passwordLen >= 0) o.password = bytes(p.password, p.passwordOff, p.passwordLen);
      if (p.willFlag) {
        o.will = {
          topic: text(p.willTopic, p.willTopicOff, p.willTopicLen),
          payload: bytes(p.willPayload, p.willPayloadOff, p.willPayloadLen),
          qos: p.willQos,
          retain: p.willRetain,
        };
        const wp = v === 5 ? propsToMqtt(p.willProps!) : undefined;
        if (wp) o.will.properties = wp;
      }
      break;
    case PacketType.Connack:
      o.sessionPresent = p.sessionPresent;
      // mqtt-packet quirk: a 3.1.1 CONNACK carries the raw `returnCode`; the codec maps it
      // onto the MQTT 5 `reasonCode` table.
      if (v === 5) o.reasonCode = p.reasonCode;
      else o.returnCode = connackReturnCodeV3(p.reasonCode);
      break;
    case PacketType.Publish:
      o.topic = text(p.topic, p.topicOff, p.topicLen);
      o.payload = bytes(p.payload, p.payloadOff, p.payloadLen);
      o.qos = p.qos;
      o.dup = p.dup;
      o.retain = p.retain;
      if (p.qos > 0) o.messageId = p.packetId;
      break;
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp:
      o.messageId = p.packetId;
      if (v === 5) o.reasonCode = p.reasonCode;
      break;
    case PacketType.Subscribe:
      o.messageId = p.packetId;
      o.subscriptions = [];
      for (let i = 0; i < p.count; i++) {
        const opt = p.options[i];
        const s: MqttObject = { topic: text(p.filter[i], p.filterOffset(i), p.filterLength(i)), qos: opt & 3 };
        if (v === 5) {
          s.nl = (opt & 0x04) !== 0;
          s.rap = (opt & 0x08) !== 0;
          s.rh = (opt >> 4) & 3;
        }
        o.subscriptions.push(s);
      }
      break;
    case PacketType.Unsubscribe:
      o.messageId = p.packetId;
      o.unsubscriptions = [];
      for (let i = 0; i < p.count; i++) o.unsubscriptions.push(text(p.filter[i], p.filterOffset(i), p.filterLength(i)));
      break;
    case PacketType.Suback:
    case PacketType.Unsuback:
      o.messageId = p.packetId;
      // mqtt-packet quirk: SUBACK and UNSUBACK reason codes are both called `granted`; a
      // 3.1.1 UNSUBACK has none.
      if (p.type === PacketType.Suback || v === 5) o.granted = Array.from(p.codes.subarray(0, p.count));
      break;
    case PacketType.Disconnect:
    case PacketType.Auth:
      if (v === 5) o.reasonCode = p.reasonCode;
      break;
    default:
      break;
  }
  if (props) o.properties = props;
  return o;
}

/** Fills our record from an mqtt-packet packet object in protocol level `version`. */
export function fromMqtt(o: MqttObject, version: number, p: Packet): Packet {
  const type = CMDS.indexOf(o.cmd);
  if (type <= 0) throw new Error(`unknown cmd ${o.cmd}`);
  p.reset(type, version);
  if (version === 5) propsFromMqtt(o.properties, p.props);
  switch (type) {
    case PacketType.Connect: {
      p.cleanStart = o.clean !== false;
      p.keepAlive = o.keepalive ?? 0;
      const cid = toBuffer(o.clientId ?? '');
      p.clientId = cid; p.clientIdOff = 0; p.clientIdLen = cid.length;
      if (o.username != null) { const b = toBuffer(o.username); p.username = b; p.usernameOff = 0; p.usernameLen = b.length; }
      if (o.password != null) { const b = toBuffer(o.password); p.password = b; p.passwordOff = 0; p.passwordLen = b.length; }
      if (o.will) {
        p.willFlag = true;
        p.willQos = o.will.qos ?? 0;
        p.willRetain = !!o.will.retain;
        const t = toBuffer(o.will.topic);
        p.willTopic = t; p.willTopicOff = 0; p.willTopicLen = t.length;
        const w = toBuffer(o.will.payload);
        p.willPayload = w; p.willPayloadOff = 0; p.willPayloadLen = w.length;
        if (version === 5) propsFromMqtt(o.will.properties, p.willProps!);
      }
      break;
    }
    case PacketType.Connack:
      p.sessionPresent = !!o.sessionPresent;
      p.reasonCode = version === 5 ? o.reasonCode ?? 0 : V3_CONNACK_TO_V5[o.returnCode ?? 0];
      break;
    case PacketType.Publish: {
      const t = toBuffer(o.topic);
      p.setTopic(t, 0, t.length);
      const pl = toBuffer(o.payload);
      p.setPayload(pl, 0, pl.length);
      p.qos = o.qos ?? 0;
      p.dup = !!o.dup;
      p.retain = !!o.retain;
      p.packetId = p.qos > 0 ? o.messageId : 0;
      break;
    }
    case PacketType.Subscribe:
      p.packetId = o.messageId;
      for (const s of o.subscriptions) {
        const b = toBuffer(s.topic);
        const opt = (s.qos & 3) | (s.nl ? 0x04 : 0) | (s.rap ? 0x08 : 0) | ((s.rh ?? 0) << 4);
        if (!p.addFilter(b, 0, b.length, version === 5 ? opt : opt & 3)) throw new Error('filter capacity');
      }
      break;
    case PacketType.Unsubscribe:
      p.packetId = o.messageId;
      for (const s of o.unsubscriptions) {
        const b = toBuffer(s);
        if (!p.addFilter(b, 0, b.length, 0)) throw new Error('filter capacity');
      }
      break;
    case PacketType.Suback:
    case PacketType.Unsuback:
      p.packetId = o.messageId;
      for (const c of o.granted ?? []) if (!p.addCode(c)) throw new Error('code capacity');
      break;
    case PacketType.Puback:
    case PacketType.Pubrec:
    case PacketType.Pubrel:
    case PacketType.Pubcomp:
      p.packetId = o.messageId;
      p.reasonCode = o.reasonCode ?? 0;
      break;
    case PacketType.Disconnect:
    case PacketType.Auth:
      p.reasonCode = o.reasonCode ?? 0;
      break;
    default:
      break;
  }
  return p;
}

function hex(v: unknown): string {
  return toBuffer(v).toString('hex');
}

/** Properties reduced for comparison: sorted names, bytes as hex, user properties as pairs. */
export function canonProps(o: MqttObject | undefined): MqttObject | undefined {
  if (!o) return undefined;
  const out: MqttObject = {};
  for (const name of Object.keys(o).sort()) {
    const v = o[name];
    if (v === undefined) continue;
    const spec = BY_NAME.get(name);
    if (!spec) throw new Error(`unknown property ${name}`);
    if (spec.kind === 'pair') {
      const pairs: string[][] = [];
      for (const k of Object.getOwnPropertyNames(v)) {
        for (const val of Array.isArray(v[k]) ? v[k] : [v[k]]) pairs.push([k, String(val)]);
      }
      if (pairs.length > 0) out[name] = pairs;
    } else if (spec.id === PropertyId.SubscriptionIdentifier) {
      out[name] = Array.isArray(v) ? v.slice() : [v];
    } else if (spec.kind === 'bin') {
      out[name] = hex(v);
    } else if (spec.kind === 'bool') {
      out[name] = !!v;
    } else {
      out[name] = v;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The fields of an mqtt-packet object (parser output, generator input, or toMqtt's output)
 * that a packet of this type carries in this protocol level, in one form.
 */
export function canon(o: MqttObject, version: number): MqttObject {
  const c: MqttObject = { cmd: o.cmd };
  const props = version === 5 ? canonProps(o.properties) : undefined;
  switch (o.cmd) {
    case 'connect':
      c.protocolId = o.protocolId ?? 'MQTT';
      c.protocolVersion = o.protocolVersion ?? 4;
      c.clean = o.clean !== false;
      c.keepalive = o.keepalive ?? 0;
      c.clientId = o.clientId ?? '';
      if (o.username != null) c.username = String(o.username);
      if (o.password != null) c.password = hex(o.password);
      if (o.will) {
        c.will = { topic: o.will.topic, payload: hex(o.will.payload), qos: o.will.qos ?? 0, retain: !!o.will.retain };
        const wp = version === 5 ? canonProps(o.will.properties) : undefined;
        if (wp) c.will.properties = wp;
      }
      break;
    case 'connack':
      c.sessionPresent = !!o.sessionPresent;
      if (version === 5) c.reasonCode = o.reasonCode ?? 0;
      else c.returnCode = o.returnCode;
      break;
    case 'publish':
      c.topic = o.topic;
      c.payload = hex(o.payload);
      c.qos = o.qos ?? 0;
      c.dup = !!o.dup;
      c.retain = !!o.retain;
      if (c.qos > 0) c.messageId = o.messageId;
      break;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      c.messageId = o.messageId;
      if (version === 5) c.reasonCode = o.reasonCode ?? 0;
      break;
    case 'subscribe':
      c.messageId = o.messageId;
      c.subscriptions = o.subscriptions.map((s: MqttObject) =>
        version === 5 ? { topic: s.topic, qos: s.qos, nl: !!s.nl, rap: !!s.rap, rh: s.rh ?? 0 } : { topic: s.topic, qos: s.qos });
      break;
    case 'unsubscribe':
      c.messageId = o.messageId;
      c.unsubscriptions = o.unsubscriptions.slice();
      break;
    case 'suback':
      c.messageId = o.messageId;
      c.granted = o.granted.slice();
      break;
    case 'unsuback':
      c.messageId = o.messageId;
      if (version === 5) c.granted = o.granted.slice();
      break;
    case 'disconnect':
    case 'auth':
      if (version === 5) c.reasonCode = o.reasonCode ?? 0;
      break;
    default:
      break;
  }
  if (props) c.properties = props;
  return c;
}

export function propSpec(id: number): PropSpec | undefined {
  return BY_ID.get(id);
}
