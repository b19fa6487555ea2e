// Small drivers shared by the codec tests: encode/decode through our codec, feed a byte stream
// to the Framer in given chunk sizes, and parse/generate with mqtt-packet.
import { generate, parser } from 'mqtt-packet';
import { decodeBody, decodePacket, encodePacket, Framer, Packet, Reader } from '../../../src/core/codec/index.js';
import { canon, MqttObject, toMqtt } from './convert.js';

export function newPacket(): Packet {
  return new Packet(32, 32, 16);
}

const reader = new Reader();

/** Encodes p with our codec into a fresh Buffer; throws on a negative result. */
export function encodeOurs(p: Packet, capacity = 1 << 16): Buffer {
  let out = Buffer.alloc(capacity);
  let n = encodePacket(p, out, 0);
  if (n === -0x95) {
    out = Buffer.alloc(1 << 23);
    n = encodePacket(p, out, 0);
  }
  if (n < 0) throw new Error(`encodePacket returned -0x${(-n).toString(16)}`);
  return out.subarray(0, n);
}

/** Decodes one whole packet with decodePacket: the reason code (0 ok) and the record. */
export function decodeOurs(bytes: Uint8Array, version: number, p: Packet = newPacket()): { rc: number; p: Packet } {
  const rc = decodePacket(reader, bytes, 0, bytes.length, version, p);
  return { rc, p };
}

export interface FramedResult {
  /** canon() of each whole packet, in order. */
  packets: MqttObject[];
  /** The first negative result of next(), or 0. */
  error: number;
}

/**
 * Feeds bytes to a Framer `chunks[i]` bytes at a time (cycling through the sizes), calling
 * next() until it wants more, and snapshots each packet before the next call invalidates it.
 */
export function frame(bytes: Uint8Array, version: number, chunks: number[], capacity = 1 << 16): FramedResult {
  const framer = new Framer(capacity, null, decodeBody);
  framer.version = version;
  const p = newPacket();
  const packets: MqttObject[] = [];
  let pos = 0;
  let k = 0;
  let guard = 0;
  while (pos < bytes.length) {
    if (++guard > bytes.length * 4 + 100) throw new Error('framer made no progress');
    const want = Math.min(Math.max(1, chunks[k++ % chunks.length]), bytes.length - pos);
    pos += framer.push(bytes, pos, want);
    for (;;) {
      const n = framer.next(p);
      if (n < 0) return { packets, error: n };
      if (n === 0) break;
      packets.push(canon(toMqtt(p), p.version));
    }
  }
  return { packets, error: 0 };
}

/** mqtt-packet's parse of one buffer in protocol level `version`: packets, or the error. */
export function parsePeer(bytes: Uint8Array, version: number): { packets: MqttObject[]; error?: Error } {
  const pp = parser({ protocolVersion: version });
  const packets: MqttObject[] = [];
  let error: Error | undefined;
  pp.on('packet', (pkt: MqttObject) => packets.push(pkt));
  pp.on('error', (e: Error) => { error ??= e; });
  pp.parse(Buffer.from(bytes));
  return { packets, error };
}

/** mqtt-packet's generate in protocol level `version`; throws when it refuses the object. */
export function generatePeer(o: MqttObject, version: number): Buffer {
  return generate(o as never, { protocolVersion: version });
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
