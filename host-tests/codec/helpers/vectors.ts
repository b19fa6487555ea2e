// Hand-written packets (as mqtt-packet objects) covering the 15 packet types in levels 3, 4
// and 5, and every MQTT 5 property in every packet that may carry it.
import { MqttObject, PROPERTIES, PropSpec, versionsOf } from './convert.js';

export interface Vector {
  name: string;
  version: number;
  obj: MqttObject;
}

const KIB = Buffer.alloc(1024, 0).map((_, i) => (i * 7) & 0xff);

function protocol(v: number): MqttObject {
  return { protocolId: v === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: v };
}

/** Base packets per command for level v. */
function base(v: number): Vector[] {
  const out: Vector[] = [];
  const add = (name: string, obj: MqttObject): void => { out.push({ name: `v${v} ${name}`, version: v, obj }); };
  add('CONNECT minimal', { cmd: 'connect', ...protocol(v), clean: true, keepalive: 60, clientId: 'client-1' });
  add('CONNECT persistent, user, password', {
    cmd: 'connect', ...protocol(v), clean: false, keepalive: 0, clientId: 'c', username: 'ü user', password: Buffer.from([0, 1, 0xff]),
  });
  add('CONNECT will QoS 1 retained', {
    cmd: 'connect', ...protocol(v), clean: true, keepalive: 65535, clientId: 'w',
    will: { topic: 'dead/😀', payload: Buffer.from('bye'), qos: 1, retain: true },
  });
  add('CONNECT will QoS 2, empty will payload', {
    cmd: 'connect', ...protocol(v), clean: true, keepalive: 10, clientId: 'w2', username: '', password: Buffer.alloc(0),
    will: { topic: 't', payload: Buffer.alloc(0), qos: 2, retain: false },
  });
  if (v >= 4) add('CONNECT empty client id', { cmd: 'connect', ...protocol(v), clean: true, keepalive: 5, clientId: '' });
  if (v === 5) {
    for (const rc of [0x00, 0x80, 0x84, 0x86, 0x87, 0x8c, 0x95, 0x9c, 0x9f]) {
      add(`CONNACK reason 0x${rc.toString(16)}`, { cmd: 'connack', sessionPresent: false, reasonCode: rc });
    }
    add('CONNACK session present', { cmd: 'connack', sessionPresent: true, reasonCode: 0 });
  } else {
    for (let rc = 0; rc <= 5; rc++) add(`CONNACK return code ${rc}`, { cmd: 'connack', sessionPresent: false, returnCode: rc });
    add('CONNACK session present', { cmd: 'connack', sessionPresent: true, returnCode: 0 });
  }
  for (const qos of [0, 1, 2]) {
    add(`PUBLISH QoS ${qos}`, { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hello'), qos, dup: false, retain: false, ...(qos ? { messageId: qos * 1000 } : {}) });
  }
  add('PUBLISH QoS 1 DUP retained, packet id 65535', { cmd: 'publish', topic: '$SYS/x', payload: KIB, qos: 1, dup: true, retain: true, messageId: 65535 });
  add('PUBLISH QoS 2 DUP', { cmd: 'publish', topic: 'ü/😀/ /x', payload: Buffer.from([0]), qos: 2, dup: true, retain: false, messageId: 1 });
  add('PUBLISH empty payload', { cmd: 'publish', topic: '/', payload: Buffer.alloc(0), qos: 0, dup: false, retain: true });
  add('PUBLISH 2-byte remaining length', { cmd: 'publish', topic: 't', payload: Buffer.alloc(200, 1), qos: 0, dup: false, retain: false });
  add('PUBLISH 3-byte remaining length', { cmd: 'publish', topic: 't', payload: Buffer.alloc(20000, 2), qos: 1, dup: false, retain: false, messageId: 7 });
  add('PUBLISH 4-byte remaining length', { cmd: 'publish', topic: 't', payload: Buffer.alloc(2100000, 3), qos: 0, dup: false, retain: false });
  for (const cmd of ['puback', 'pubrec', 'pubrel', 'pubcomp']) {
    add(`${cmd.toUpperCase()} id 1`, { cmd, messageId: 1, ...(v === 5 ? { reasonCode: 0 } : {}) });
    add(`${cmd.toUpperCase()} id 65535`, { cmd, messageId: 65535, ...(v === 5 ? { reasonCode: 0 } : {}) });
  }
  if (v === 5) {
    add('PUBACK no matching subscribers', { cmd: 'puback', messageId: 2, reasonCode: 0x10 });
    add('PUBACK quota exceeded', { cmd: 'puback', messageId: 2, reasonCode: 0x97 });
    add('PUBREC payload format invalid', { cmd: 'pubrec', messageId: 3, reasonCode: 0x99 });
    add('PUBREL packet id not found', { cmd: 'pubrel', messageId: 4, reasonCode: 0x92 });
    add('PUBCOMP packet id not found', { cmd: 'pubcomp', messageId: 5, reasonCode: 0x92 });
  }
  add('SUBSCRIBE three filters', {
    cmd: 'subscribe', messageId: 10,
    subscriptions: [{ topic: 'a/+/c', qos: 0 }, { topic: '#', qos: 1 }, { topic: '$SYS/ü/#', qos: 2 }],
  });
  if (v === 5) {
    add('SUBSCRIBE options', {
      cmd: 'subscribe', messageId: 11,
      subscriptions: [
        { topic: 'a', qos: 1, nl: true, rap: false, rh: 0 },
        { topic: 'b/#', qos: 2, nl: false, rap: true, rh: 1 },
        { topic: '$share/g/c/+', qos: 0, nl: false, rap: true, rh: 2 },
      ],
    });
  }
  add('SUBACK', { cmd: 'suback', messageId: 10, granted: v === 5 ? [0, 1, 2, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1, 0xa2] : [0, 1, 2, 0x80] });
  add('UNSUBSCRIBE', { cmd: 'unsubscribe', messageId: 12, unsubscriptions: ['a/+/c', '#', 'ü'] });
  add('UNSUBACK', v === 5 ? { cmd: 'unsuback', messageId: 12, granted: [0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91] } : { cmd: 'unsuback', messageId: 12 });
  add('PINGREQ', { cmd: 'pingreq' });
  add('PINGRESP', { cmd: 'pingresp' });
  if (v === 5) {
    for (const rc of [0x00, 0x04, 0x81, 0x8e, 0x95, 0xa2]) add(`DISCONNECT 0x${rc.toString(16)}`, { cmd: 'disconnect', reasonCode: rc });
    for (const rc of [0x00, 0x18, 0x19]) add(`AUTH 0x${rc.toString(16)}`, { cmd: 'auth', reasonCode: rc });
  } else {
    add('DISCONNECT', { cmd: 'disconnect' });
  }
  return out;
}

function sampleValue(spec: PropSpec, variant: number): unknown {
  switch (spec.kind) {
    case 'bool': return variant % 2 === 0;
    case 'byte': return variant % 2; // Maximum QoS is 0 or 1
    case 'u16': return variant === 0 ? 0x1234 : 0xffff;
    case 'u32': return variant === 0 ? 0xfedcba98 : 1;
    case 'var': return variant === 0 ? 268435455 : [1, 127, 128, 16383, 16384, 2097151, 2097152];
    case 'str': return variant === 0 ? 'text/ü😀' : '';
    case 'bin': return variant === 0 ? Buffer.from([0, 1, 0x7f, 0xff]) : Buffer.alloc(0);
    case 'pair': return variant === 0 ? { k: 'v' } : { a: ['1', '2'], 'ü': '', '': 'x' };
    default: throw new Error(spec.kind);
  }
}

/** A v5 packet of kind `where` ('will' = the will of a CONNECT) carrying these properties. */
function carrier(where: string, props: MqttObject): MqttObject {
  switch (where) {
    case 'connect': return { cmd: 'connect', ...protocol(5), clean: true, keepalive: 30, clientId: 'p', properties: props };
    case 'will': return {
      cmd: 'connect', ...protocol(5), clean: true, keepalive: 30, clientId: 'p',
      will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: false, properties: props },
    };
    case 'connack': return { cmd: 'connack', sessionPresent: false, reasonCode: 0, properties: props };
    case 'publish': return { cmd: 'publish', topic: 'p/q', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 9, properties: props };
    case 'puback': case 'pubrec': return { cmd: where, messageId: 9, reasonCode: 0x10, properties: props };
    case 'pubrel': case 'pubcomp': return { cmd: where, messageId: 9, reasonCode: 0, properties: props };
    case 'subscribe': return { cmd: 'subscribe', messageId: 9, subscriptions: [{ topic: 's', qos: 1, nl: false, rap: false, rh: 0 }], properties: props };
    case 'suback': return { cmd: 'suback', messageId: 9, granted: [1], properties: props };
    case 'unsubscribe': return { cmd: 'unsubscribe', messageId: 9, unsubscriptions: ['s'], properties: props };
    case 'unsuback': return { cmd: 'unsuback', messageId: 9, granted: [0], properties: props };
    case 'disconnect': return { cmd: 'disconnect', reasonCode: 0x80, properties: props };
    case 'auth': return { cmd: 'auth', reasonCode: 0x18, properties: props };
    default: throw new Error(where);
  }
}

/** Every MQTT 5 property, alone and with two value variants, in every packet allowed to carry it. */
function propertyVectors(): Vector[] {
  const out: Vector[] = [];
  for (const spec of PROPERTIES) {
    for (const where of spec.packets) {
      for (const variant of [0, 1]) {
        let value = sampleValue(spec, variant);
        // Only PUBLISH may carry several subscription identifiers (MQTT 5 3.8.2.1.2).
        if (spec.name === 'subscriptionIdentifier' && where !== 'publish' && Array.isArray(value)) value = 1;
        // Receive Maximum, Maximum Packet Size, Topic Alias: never 0, so the variants stay non-zero.
        out.push({ name: `v5 ${where} property ${spec.name} #${variant}`, version: 5, obj: carrier(where, { [spec.name]: value }) });
      }
    }
  }
  // All properties a packet may carry, together.
  const wheres = new Set(PROPERTIES.flatMap((s) => s.packets));
  for (const where of wheres) {
    const props: MqttObject = {};
    for (const spec of PROPERTIES) if (spec.packets.includes(where)) props[spec.name] = sampleValue(spec, where === 'publish' ? 1 : 0);
    out.push({ name: `v5 ${where} with all its properties`, version: 5, obj: carrier(where, props) });
  }
  return out;
}

export function vectors(): Vector[] {
  return [...base(3), ...base(4), ...base(5), ...propertyVectors()];
}

/** Which commands the vectors cover in each level (the test checks all 15 are there). */
export function coverage(vs: Vector[]): Map<string, Set<number>> {
  const m = new Map<string, Set<number>>();
  for (const v of vs) {
    if (!m.has(v.obj.cmd)) m.set(v.obj.cmd, new Set());
    m.get(v.obj.cmd)!.add(v.version);
  }
  return m;
}

export { versionsOf };
