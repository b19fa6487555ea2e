// Packet trace: one readable line per packet in and out (`--trace`), or JSON lines (`--trace-file`).
import { Packet } from '../core/codec/packet.js';
import { PropertyId, ProtocolVersion } from '../core/codec/constants.js';
import { connackReturnCodeV3 } from '../core/codec/connack-encode.js';

export const PACKET_NAMES = ['RESERVED', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

export interface TraceRecord {
  t: string;
  client: string;
  /** A packet in or out, or something the broker did to the client ('note': a drop or a refusal). */
  dir: 'in' | 'out' | 'note';
  type: string;
  [key: string]: unknown;
}

/** The time at the start of every human-readable line (trace and log): UTC, to the millisecond. */
export function clock(d: Date = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function str(buf: Uint8Array, off: number, len: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
}

/**
 * The record for one packet; `topic` overrides the packet's (an alias resolved by the broker).
 * Codes are those on the wire for the packet's protocol version: a 3.1.1 CONNACK's return code,
 * no reason code on 3.1.1 acknowledgements, which have none.
 */
export function traceRecord(client: string, dir: 'in' | 'out', p: Packet, topic?: string, now = Date.now()): TraceRecord {
  const r: TraceRecord = { t: new Date(now).toISOString(), client, dir, type: PACKET_NAMES[p.type] ?? String(p.type) };
  const v5 = p.version === ProtocolVersion.V5;
  switch (p.type) {
    case 1:
      r.version = p.version;
      r.clientId = str(p.clientId, p.clientIdOff, p.clientIdLen);
      r.clean = p.cleanStart;
      r.keepAlive = p.keepAlive;
      if (p.willFlag) r.will = str(p.willTopic, p.willTopicOff, p.willTopicLen);
      if (p.usernameLen >= 0) r.username = str(p.username, p.usernameOff, p.usernameLen);
      break;
    case 2:
      r.rc = v5 ? p.reasonCode : connackReturnCodeV3(p.reasonCode);
      r.sessionPresent = p.sessionPresent;
      break;
    case 3:
      r.qos = p.qos;
      if (p.qos > 0) r.id = p.packetId;
      if (p.retain) r.retain = true;
      if (p.dup) r.dup = true;
      r.topic = topic ?? str(p.topic, p.topicOff, p.topicLen);
      if (p.version === 5 && p.props.has(PropertyId.TopicAlias)) r.alias = p.props.get(PropertyId.TopicAlias);
      r.bytes = p.chunk === 0 ? p.payloadLen : p.streamTotal;
      break;
    case 4: case 5: case 6: case 7:
      r.id = p.packetId;
      if (v5 && p.reasonCode !== 0) r.rc = p.reasonCode;
      break;
    case 8: case 10: {
      r.id = p.packetId;
      const filters: string[] = [];
      for (let i = 0; i < p.count; i++) filters.push(str(p.filter[i], p.filterOffset(i), p.filterLength(i)) + (p.type === 8 ? `:q${p.options[i] & 3}` : ''));
      r.filters = filters;
      break;
    }
    case 9: case 11: {
      r.id = p.packetId;
      // A 3.1.1 UNSUBACK carries no codes.
      if (p.type === 11 && !v5) break;
      const codes: number[] = [];
      for (let i = 0; i < p.count; i++) codes.push(p.codes[i]);
      r.codes = codes;
      break;
    }
    case 14: case 15:
      if (v5 && p.reasonCode !== 0) r.rc = p.reasonCode;
      break;
    default:
      break;
  }
  return r;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(2, '0');

/** `12:00:01.123 sensor-7 -> PUBLISH q1 id=5 t=room/temp 4B` (-> from the client, <- to it). */
export function traceLine(r: TraceRecord): string {
  const parts = [clock(new Date(r.t)), r.client || '?', r.dir === 'in' ? '->' : '<-', r.type];
  if (r.type === 'PUBLISH') {
    parts.push(`q${r.qos}`);
    if (r.id !== undefined) parts.push(`id=${r.id}`);
    if (r.dup) parts.push('dup');
    if (r.retain) parts.push('retain');
    parts.push(`t=${r.topic}`);
    if (r.alias !== undefined) parts.push(`alias=${r.alias}`);
    parts.push(`${r.bytes}B`);
  } else {
    if (r.id !== undefined) parts.push(`id=${r.id}`);
    if (r.rc !== undefined) parts.push(`rc=${hex(r.rc as number)}`);
    if (r.type === 'CONNECT') parts.push(`v${r.version} id=${r.clientId}${r.clean ? ' clean' : ''} ka=${r.keepAlive}${r.will ? ` will=${r.will}` : ''}${r.username !== undefined ? ` user=${r.username}` : ''}`);
    if (r.type === 'CONNACK' && r.sessionPresent) parts.push('sp');
    if (r.filters) parts.push((r.filters as string[]).join(' '));
    if (r.codes) parts.push((r.codes as number[]).map(hex).join(','));
  }
  return parts.join(' ');
}

/** A fault firing, as a trace line. */
export function faultLine(client: string, detail: string, now = Date.now()): string {
  return `${clock(new Date(now))} ${client || '?'} !! FAULT ${detail}`;
}

/**
 * A message dropped or a client refused, as a record (type DROP or REFUSE, `why` a short name,
 * `detail` free text) and its line: `12:00:01.123 dev-1 !! DROP queue-full t=a/b`.
 */
export function noteRecord(client: string, type: 'DROP' | 'REFUSE', why: string, detail: string, now = Date.now()): TraceRecord {
  return { t: new Date(now).toISOString(), client, dir: 'note', type, why, detail };
}

export function noteLine(r: TraceRecord): string {
  return `${clock(new Date(r.t))} ${r.client || '?'} !! ${r.type} ${String(r.why)}${r.detail ? ' ' + String(r.detail) : ''}`;
}
