// Expected and scripted packets, built with the project's codec (one codec for everything).
import { encodePacket, Packet, PacketType, PropertyId } from '../../src/core/codec/index.js';
import { utf8 } from '../../src/core/session/index.js';
import { NEED_MORE, readVarint, varintSize } from '../../src/core/codec/varint.js';

export interface Props {
  [id: number]: number | string | Uint8Array;
}
export interface PacketSpec {
  v?: number;
  props?: Props;
  user?: [string, string][];
}

function applyProps(p: Packet, spec: PacketSpec): void {
  const props = spec.props ?? {};
  for (const k of Object.keys(props)) {
    const id = Number(k);
    const v = props[id];
    if (typeof v === 'number') p.props.setNumber(id, v);
    else {
      const b = typeof v === 'string' ? utf8(v) : v;
      p.props.setBytes(id, b, 0, b.length);
    }
  }
  for (const [k, v] of spec.user ?? []) {
    const kb = utf8(k);
    const vb = utf8(v);
    p.props.addUserProperty(kb, 0, kb.length, vb, 0, vb.length);
  }
}

export function encode(p: Packet): Uint8Array {
  const out = new Uint8Array(70000);
  const n = encodePacket(p, out, 0);
  if (n < 0) throw new Error(`encode failed: -0x${(-n).toString(16)} for type ${p.type}`);
  return out.slice(0, n);
}

function fresh(type: number, spec: PacketSpec): Packet {
  const p = new Packet(16, 16, 4);
  p.reset(type, spec.v ?? 5);
  applyProps(p, spec);
  return p;
}

export interface ConnectSpec extends PacketSpec {
  clientId?: string;
  clean?: boolean;
  keepAlive?: number;
  will?: { topic: string; payload: string; qos?: number; retain?: boolean; props?: Props };
  username?: string;
  password?: string;
}

export function connect(spec: ConnectSpec = {}): Uint8Array {
  const p = fresh(PacketType.Connect, spec);
  p.cleanStart = spec.clean ?? true;
  p.keepAlive = spec.keepAlive ?? 60;
  const id = utf8(spec.clientId ?? '');
  p.clientId = id;
  p.clientIdOff = 0;
  p.clientIdLen = id.length;
  if (spec.will) {
    p.willFlag = true;
    p.willQos = spec.will.qos ?? 0;
    p.willRetain = spec.will.retain ?? false;
    const t = utf8(spec.will.topic);
    const b = utf8(spec.will.payload);
    p.willTopic = t; p.willTopicOff = 0; p.willTopicLen = t.length;
    p.willPayload = b; p.willPayloadOff = 0; p.willPayloadLen = b.length;
    for (const [k, v] of Object.entries(spec.will.props ?? {})) {
      if (typeof v === 'number') p.willProps!.setNumber(Number(k), v);
      else { const x = typeof v === 'string' ? utf8(v) : v; p.willProps!.setBytes(Number(k), x, 0, x.length); }
    }
  }
  if (spec.username !== undefined) { const u = utf8(spec.username); p.username = u; p.usernameOff = 0; p.usernameLen = u.length; }
  if (spec.password !== undefined) { const u = utf8(spec.password); p.password = u; p.passwordOff = 0; p.passwordLen = u.length; }
  return encode(p);
}

/** The CONNECT the default test session sends (v5, Maximum Packet Size and the limits it advertises). */
export function defaultConnect(extra: ConnectSpec = {}): Uint8Array {
  const v = extra.v ?? 5;
  const props: Props = v === 5 ? { [PropertyId.ReceiveMaximum]: 8, [PropertyId.MaximumPacketSize]: 2048, [PropertyId.TopicAliasMaximum]: 8, ...(extra.props ?? {}) } : {};
  return connect({ clientId: 'c1', ...extra, props });
}

export function connack(rc = 0, sessionPresent = false, spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Connack, spec);
  p.sessionPresent = sessionPresent;
  p.reasonCode = rc;
  return encode(p);
}

export interface PublishSpec extends PacketSpec {
  qos?: number;
  id?: number;
  dup?: boolean;
  retain?: boolean;
}

export function publish(topic: string, payload: string | Uint8Array, spec: PublishSpec = {}): Uint8Array {
  const p = fresh(PacketType.Publish, spec);
  p.qos = spec.qos ?? 0;
  p.packetId = spec.id ?? 0;
  p.dup = spec.dup ?? false;
  p.retain = spec.retain ?? false;
  const t = utf8(topic);
  const b = typeof payload === 'string' ? utf8(payload) : payload;
  p.setTopic(t, 0, t.length);
  p.setPayload(b, 0, b.length);
  return encode(p);
}

export function ack(type: number, id: number, rc = 0, spec: PacketSpec = {}): Uint8Array {
  const p = fresh(type, spec);
  p.packetId = id;
  p.reasonCode = rc;
  return encode(p);
}
export const puback = (id: number, rc = 0, spec: PacketSpec = {}) => ack(PacketType.Puback, id, rc, spec);
export const pubrec = (id: number, rc = 0, spec: PacketSpec = {}) => ack(PacketType.Pubrec, id, rc, spec);
export const pubrel = (id: number, rc = 0, spec: PacketSpec = {}) => ack(PacketType.Pubrel, id, rc, spec);
export const pubcomp = (id: number, rc = 0, spec: PacketSpec = {}) => ack(PacketType.Pubcomp, id, rc, spec);

export function subscribe(id: number, filters: [string, number][], spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Subscribe, spec);
  p.packetId = id;
  for (const [f, o] of filters) { const b = utf8(f); p.addFilter(b, 0, b.length, o); }
  return encode(p);
}
export function unsubscribe(id: number, filters: string[], spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Unsubscribe, spec);
  p.packetId = id;
  for (const f of filters) { const b = utf8(f); p.addFilter(b, 0, b.length, 0); }
  return encode(p);
}
export function suback(id: number, codes: number[], spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Suback, spec);
  p.packetId = id;
  for (const c of codes) p.addCode(c);
  return encode(p);
}
export function unsuback(id: number, codes: number[], spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Unsuback, spec);
  p.packetId = id;
  for (const c of codes) p.addCode(c);
  return encode(p);
}
export function disconnect(rc = 0, spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Disconnect, spec);
  p.reasonCode = rc;
  return encode(p);
}
export function auth(rc: number, spec: PacketSpec = {}): Uint8Array {
  const p = fresh(PacketType.Auth, spec);
  p.reasonCode = rc;
  return encode(p);
}
export const pingreq = (v = 5) => encode(fresh(PacketType.Pingreq, { v }));
export const pingresp = (v = 5) => encode(fresh(PacketType.Pingresp, { v }));

/**
 * The length of the whole packet at pos in a byte stream (fixed header included), read with the
 * codec's varint reader: 0 while it is incomplete. For tests that cut a stream into packets
 * before decoding them.
 */
export function frameLength(buf: ArrayLike<number>, pos: number, end: number): number {
  const head = new Uint8Array(5);
  for (let i = 0; i < 5 && pos + 1 + i < end; i++) head[i] = buf[pos + 1 + i];
  const len = readVarint(head, 0, end - pos - 1 < 5 ? end - pos - 1 : 5);
  if (len === NEED_MORE) return 0;
  if (len < 0) throw new Error(`malformed remaining length at ${pos}`);
  const total = 1 + varintSize(len) + len;
  return pos + total <= end ? total : 0;
}

/** Packets one after the other, as one stream of bytes. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
