// PINGREQ and PINGRESP (MQTT 5 sections 3.12, 3.13): a fixed header and nothing else.
import { ReasonCode } from './constants.js';
import { Packet } from './packet.js';
import { Reader } from './reader.js';
import { beginPacket } from './writer.js';

export function decodePing(r: Reader, p: Packet): number {
  p.props.clear();
  return r.pos === r.end ? 0 : -ReasonCode.MalformedPacket;
}

export function encodePing(p: Packet, out: Uint8Array, off: number): number {
  const pos = beginPacket(out, off, p.type << 4, 0);
  return pos < 0 ? pos : pos - off;
}
