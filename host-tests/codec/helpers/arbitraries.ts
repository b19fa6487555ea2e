// fast-check generators of valid packets, as mqtt-packet objects, for levels 3, 4 and 5.
import fc from 'fast-check';
import { MqttObject, PROPERTIES, PropSpec } from './convert.js';

export interface Generated {
  version: number;
  obj: MqttObject;
}

const CHARS = ['a', 'b', 'Z', '0', ' ', '-', 'é', 'ü', '😀', '✓', '/', '$', '\u007f', '\u0800', '\uffff'];
export const text = fc.array(fc.constantFrom(...CHARS), { maxLength: 8 }).map((a) => a.join(''));
const nonEmptyText = fc.array(fc.constantFrom(...CHARS.filter((c) => c !== '/')), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));

/** A valid topic name: non-empty, no wildcards; '$', empty levels and non-ASCII included. */
export const topicName = fc.array(fc.constantFrom('a', 'b', 'é', '😀', '$', '/', ' ', 'x'), { minLength: 1, maxLength: 10 }).map((a) => a.join(''));

const level = fc.constantFrom('a', 'b', 'é', '😀', '', '$x', ' ', '+');
/** A valid (non-shared) topic filter. */
export const topicFilter = fc
  .tuple(fc.array(level, { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([levels, hash]) => (hash ? [...levels, '#'] : levels).join('/'))
  .filter((f) => f.length > 0);
const shareName = fc.array(fc.constantFrom('g', 'h', 'é', '1', '$'), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
export const sharedFilter = fc.tuple(shareName, topicFilter).map(([n, f]) => `$share/${n}/${f}`);

export const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const packetId = fc.integer({ min: 1, max: 65535 });
const qos = fc.constantFrom(0, 1, 2);

const NON_ZERO = new Set(['receiveMaximum', 'topicAlias', 'maximumPacketSize']);

function valueArb(spec: PropSpec, where: string): fc.Arbitrary<unknown> {
  const min = NON_ZERO.has(spec.name) ? 1 : 0;
  switch (spec.kind) {
    case 'bool': return fc.boolean();
    case 'byte': return fc.integer({ min: 0, max: 1 });
    case 'u16': return fc.integer({ min, max: 0xffff });
    case 'u32': return fc.integer({ min, max: 0xffffffff });
    case 'var': {
      const id = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 268435455 }));
      // Only PUBLISH may carry several subscription identifiers.
      return where === 'publish' ? fc.oneof(id, fc.array(id, { minLength: 2, maxLength: 4 })) : id;
    }
    case 'str': return text;
    case 'bin': return bytes(12);
    case 'pair': return fc.dictionary(text, fc.oneof(text, fc.array(text, { minLength: 2, maxLength: 3 })), { minKeys: 1, maxKeys: 4 });
    default: throw new Error(spec.kind);
  }
}

/** Random properties allowed in `where` ('will' = will properties), or undefined. */
export function propsArb(where: string): fc.Arbitrary<MqttObject | undefined> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const spec of PROPERTIES) if (spec.packets.includes(where)) model[spec.name] = valueArb(spec, where);
  return fc.record(model, { requiredKeys: [] }).map((o) => (Object.keys(o).length > 0 ? (o as MqttObject) : undefined));
}

const REASONS: Record<string, number[]> = {
  connack: [0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f],
  puback: [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99],
  pubrel: [0x00, 0x92],
  suback: [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2],
  unsuback: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91],
  disconnect: [0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
    0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2],
  auth: [0x00, 0x18, 0x19],
};
REASONS.pubrec = REASONS.puback;
REASONS.pubcomp = REASONS.pubrel;

function withProps(v: number, where: string, arb: fc.Arbitrary<MqttObject>): fc.Arbitrary<MqttObject> {
  if (v !== 5) return arb;
  return fc.tuple(arb, propsArb(where)).map(([o, props]) => (props ? { ...o, properties: props } : o));
}

export function connectArb(v: number): fc.Arbitrary<MqttObject> {
  const will = fc.record({ topic: topicName, payload: bytes(20), qos, retain: fc.boolean() });
  const willWithProps = v === 5 ? fc.tuple(will, propsArb('will')).map(([w, p]) => (p ? { ...w, properties: p } : w)) : will;
  return withProps(v, 'connect', fc.record({
    clean: fc.boolean(),
    keepalive: fc.integer({ min: 0, max: 65535 }),
    clientId: v === 3 ? nonEmptyText : text,
    username: fc.option(text, { nil: undefined }),
    password: fc.option(bytes(10), { nil: undefined }),
    will: fc.option(willWithProps, { nil: undefined }),
  }).map((o) => {
    const c: MqttObject = { cmd: 'connect', protocolId: v === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: v, clean: o.clean, keepalive: o.keepalive, clientId: o.clientId };
    // 3.1.1 MQTT-3.1.2-22: no password without a user name (MQTT 5 allows it).
    if (o.username !== undefined) c.username = o.username;
    if (o.password !== undefined && (v === 5 || o.username !== undefined)) c.password = o.password;
    if (o.will) c.will = o.will;
    return c;
  }));
}

function packetArb(cmd: string, v: number): fc.Arbitrary<MqttObject> {
  switch (cmd) {
    case 'connect': return connectArb(v);
    case 'connack':
      return withProps(v, 'connack', v === 5
        ? fc.record({ reasonCode: fc.constantFrom(...REASONS.connack), sp: fc.boolean() })
          .map((o) => ({ cmd, reasonCode: o.reasonCode, sessionPresent: o.reasonCode === 0 && o.sp }))
        : fc.record({ returnCode: fc.integer({ min: 0, max: 5 }), sp: fc.boolean() })
          .map((o) => ({ cmd, returnCode: o.returnCode, sessionPresent: o.returnCode === 0 && o.sp })));
    case 'publish':
      return fc.tuple(
        fc.record({ topic: topicName, payload: fc.oneof(bytes(16), bytes(700)), qos, dup: fc.boolean(), retain: fc.boolean(), messageId: packetId, noTopic: fc.boolean() }),
        v === 5 ? propsArb('publish') : fc.constant(undefined),
      ).map(([o, props]) => {
        const p: MqttObject = { cmd, topic: o.topic, payload: o.payload, qos: o.qos, dup: o.qos > 0 && o.dup, retain: o.retain };
        if (o.qos > 0) p.messageId = o.messageId;
        if (props) {
          p.properties = props;
          // MQTT 5 3.3.2.3.4: with a Topic Alias the topic name may be empty.
          if (props.topicAlias !== undefined && o.noTopic) p.topic = '';
        }
        return p;
      });
    case 'puback': case 'pubrec': case 'pubrel': case 'pubcomp':
      return withProps(v, cmd, fc.record({ messageId: packetId, reasonCode: fc.constantFrom(...REASONS[cmd]) })
        .map((o) => (v === 5 ? { cmd, ...o } : { cmd, messageId: o.messageId })));
    case 'subscribe': {
      const sub = v === 5
        ? fc.oneof(
          fc.record({ topic: topicFilter, qos, nl: fc.boolean(), rap: fc.boolean(), rh: fc.integer({ min: 0, max: 2 }) }),
          // MQTT-3.8.3-4: no No Local on a shared subscription.
          fc.record({ topic: sharedFilter, qos, nl: fc.constant(false), rap: fc.boolean(), rh: fc.integer({ min: 0, max: 2 }) }))
        : fc.record({ topic: topicFilter, qos });
      return withProps(v, 'subscribe', fc.record({ messageId: packetId, subscriptions: fc.array(sub, { minLength: 1, maxLength: 5 }) })
        .map((o) => ({ cmd, ...o })));
    }
    case 'suback':
      return withProps(v, 'suback', fc.record({
        messageId: packetId,
        granted: fc.array(v === 5 ? fc.constantFrom(...REASONS.suback) : fc.constantFrom(0, 1, 2, 0x80), { minLength: 1, maxLength: 5 }),
      }).map((o) => ({ cmd, ...o })));
    case 'unsubscribe':
      return withProps(v, 'unsubscribe', fc.record({
        messageId: packetId,
        unsubscriptions: fc.array(v === 5 ? fc.oneof(topicFilter, sharedFilter) : topicFilter, { minLength: 1, maxLength: 5 }),
      }).map((o) => ({ cmd, ...o })));
    case 'unsuback':
      return v === 5
        ? withProps(v, 'unsuback', fc.record({ messageId: packetId, granted: fc.array(fc.constantFrom(...REASONS.unsuback), { minLength: 1, maxLength: 5 }) })
          .map((o) => ({ cmd, ...o })))
        : packetId.map((messageId) => ({ cmd, messageId }));
    case 'pingreq': case 'pingresp':
      return fc.constant({ cmd });
    case 'disconnect':
      return v === 5 ? withProps(v, 'disconnect', fc.constantFrom(...REASONS.disconnect).map((reasonCode) => ({ cmd, reasonCode }))) : fc.constant({ cmd });
    case 'auth':
      return withProps(v, 'auth', fc.constantFrom(...REASONS.auth).map((reasonCode) => ({ cmd, reasonCode })));
    default:
      throw new Error(cmd);
  }
}

const ALL = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'suback', 'unsubscribe',
  'unsuback', 'pingreq', 'pingresp', 'disconnect', 'auth'];

/** Any valid packet of level v (AUTH only in 5). */
export function anyPacketOf(v: number): fc.Arbitrary<MqttObject> {
  return fc.oneof(...ALL.filter((c) => c !== 'auth' || v === 5).map((c) => packetArb(c, v)));
}

/** Any valid packet in any level. */
export const anyPacket: fc.Arbitrary<Generated> = fc.constantFrom(3, 4, 5).chain((version) => anyPacketOf(version).map((obj) => ({ version, obj })));

export { packetArb };
