// Starting packets for every target: the codec's hand-written vectors (all 15 packet types in
// levels 3, 4 and 5, every property) and the malformed-input table.
import { encodePacket, Packet } from '../../src/core/codec/index.js';
import { fromMqtt } from '../codec/helpers/convert.js';
import { CASES } from '../codec/helpers/malformed-cases.js';
import { vectors } from '../codec/helpers/vectors.js';

export interface SeedPacket {
  version: number;
  bytes: Uint8Array;
  /** Packet type from the first byte. */
  type: number;
}

/** Packets larger than this are left out (the 2 MB PUBLISH vector): mutating them is slow and finds nothing new. */
const MAX_SEED = 4096;

let cached: SeedPacket[] | null = null;

export function seedPackets(): SeedPacket[] {
  if (cached !== null) return cached;
  const out: SeedPacket[] = [];
  const p = new Packet(32, 32, 16);
  const buf = new Uint8Array(1 << 16);
  for (const v of vectors()) {
    fromMqtt(v.obj, v.version, p);
    const n = encodePacket(p, buf, 0);
    if (n > 0 && n <= MAX_SEED) out.push({ version: v.version, bytes: buf.slice(0, n), type: buf[0] >> 4 });
  }
  for (const c of CASES) out.push({ version: c.version, bytes: Uint8Array.from(c.bytes), type: c.bytes[0] >> 4 });
  cached = out;
  return out;
}

/** Packet types a client sends (the rest a server sends; PUBLISH, the acks, DISCONNECT and AUTH go both ways). */
export const FROM_CLIENT = new Set([1, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15]);
export const FROM_SERVER = new Set([2, 3, 4, 5, 6, 7, 9, 11, 13, 14, 15]);
