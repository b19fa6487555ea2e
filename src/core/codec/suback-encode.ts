// SUBACK and UNSUBACK encoding: what a server writes; a client never sends them, so this stays
// out of its build.
import { PacketType, ProtocolVersion } from './constants.js';
import { Packet } from './packet.js';
import { headSize, writeHead } from './subscribe.js';
import { beginPacket } from './writer.js';

/** One reason code per filter (none in a 3.1.1 UNSUBACK). */
export function encodeCodes(p: Packet, out: Uint8Array, off: number): number {
  const head = headSize(p);
  if (head < 0) return head;
  const codes = p.type === PacketType.Unsuback && p.version !== ProtocolVersion.V5 ? 0 : p.count;
  let pos = beginPacket(out, off, p.type << 4, head + codes);
  if (pos < 0) return pos;
  pos = writeHead(out, pos, p);
  for (let i = 0; i < codes; i++) out[pos++] = p.codes[i];
  return pos - off;
}
