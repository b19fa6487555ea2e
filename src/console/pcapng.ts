// A pcapng file of MQTT connections as TCP over IPv4 (LINKTYPE_RAW): a Section Header Block, one
// Interface Description Block, then an Enhanced Packet Block per segment. The IPv4 and TCP
// headers are synthesized (handshake, sequence numbers, checksums) with the broker on port 1883,
// so Wireshark's MQTT dissector reads the bytes the broker saw.

/** LINKTYPE_RAW: each packet starts with an IPv4 (or IPv6) header. */
export const LINKTYPE_RAW = 101;
export const MQTT_PORT = 1883;
/** Segment payload limit: an IPv4 packet's length fits 16 bits with headers to spare. */
const MAX_SEGMENT = 65000;
const SYN = 0x02;
const ACK = 0x10;
const PSH_ACK = 0x18;

/** Bytes one side of a connection sent, at `at` ms since the epoch. */
export interface CapturedChunk {
  at: number;
  fromClient: boolean;
  data: Uint8Array;
}

/** One TCP connection: addresses as 32-bit numbers, and what went each way. */
export interface CapturedStream {
  clientIp: number;
  clientPort: number;
  serverIp: number;
  serverPort: number;
  openedAt: number;
  chunks: CapturedChunk[];
}

/** A dotted IPv4 address (or an IPv4-mapped IPv6 one) as a number; `fallback` for anything else. */
export function ipv4(text: string, fallback: number): number {
  const m = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) return fallback;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** The Internet checksum (RFC 1071) of bytes, starting from a partial sum. */
function checksum(bytes: Uint8Array, sum = 0): number {
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (i + 1 < bytes.length ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

interface Segment {
  at: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  data: Uint8Array;
}

/** An IPv4 datagram holding one TCP segment (no options), checksums filled in. */
export function ipv4TcpPacket(s: Segment, ipId: number): Uint8Array {
  const tcpLen = 20 + s.data.length;
  const out = new Uint8Array(20 + tcpLen);
  const v = new DataView(out.buffer);
  v.setUint8(0, 0x45);
  v.setUint16(2, out.length);
  v.setUint16(4, ipId & 0xffff);
  v.setUint16(6, 0x4000); // don't fragment
  v.setUint8(8, 64);
  v.setUint8(9, 6);
  v.setUint32(12, s.src);
  v.setUint32(16, s.dst);
  v.setUint16(10, checksum(out.subarray(0, 20)));
  v.setUint16(20, s.sport);
  v.setUint16(22, s.dport);
  v.setUint32(24, s.seq >>> 0);
  v.setUint32(28, s.ack >>> 0);
  v.setUint8(32, 0x50);
  v.setUint8(33, s.flags);
  v.setUint16(34, 0xffff);
  out.set(s.data, 40);
  // The TCP checksum covers a pseudo-header: addresses, protocol and TCP length.
  const pseudo = (s.src >>> 16) + (s.src & 0xffff) + (s.dst >>> 16) + (s.dst & 0xffff) + 6 + tcpLen;
  v.setUint16(36, checksum(out.subarray(20), pseudo));
  return out;
}

/** The segments of one stream: the handshake at its opening, then each chunk (split when long). */
function segmentsOf(st: CapturedStream): Segment[] {
  const c = { src: st.clientIp, dst: st.serverIp, sport: st.clientPort, dport: st.serverPort };
  const s = { src: st.serverIp, dst: st.clientIp, sport: st.serverPort, dport: st.clientPort };
  let cseq = 1000;
  let sseq = 5000;
  const out: Segment[] = [
    { ...c, at: st.openedAt, seq: cseq++, ack: 0, flags: SYN, data: new Uint8Array(0) },
    { ...s, at: st.openedAt, seq: sseq++, ack: cseq, flags: SYN | ACK, data: new Uint8Array(0) },
    { ...c, at: st.openedAt, seq: cseq, ack: sseq, flags: ACK, data: new Uint8Array(0) },
  ];
  for (const ch of st.chunks) {
    for (let off = 0; off < ch.data.length; off += MAX_SEGMENT) {
      const data = ch.data.subarray(off, Math.min(ch.data.length, off + MAX_SEGMENT));
      if (ch.fromClient) {
        out.push({ ...c, at: ch.at, seq: cseq, ack: sseq, flags: PSH_ACK, data });
        cseq += data.length;
      } else {
        out.push({ ...s, at: ch.at, seq: sseq, ack: cseq, flags: PSH_ACK, data });
        sseq += data.length;
      }
    }
  }
  return out;
}

/** Little-endian blocks, as the byte-order magic says. */
class BlockWriter {
  parts: Uint8Array[] = [];

  block(type: number, body: Uint8Array): void {
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, total, true);
    b.set(body, 8);
    v.setUint32(total - 4, total, true);
    this.parts.push(b);
  }

  bytes(): Uint8Array {
    let n = 0;
    for (const p of this.parts) n += p.length;
    const out = new Uint8Array(n);
    n = 0;
    for (const p of this.parts) {
      out.set(p, n);
      n += p.length;
    }
    return out;
  }
}

function sectionHeader(): Uint8Array {
  const body = new Uint8Array(16);
  const v = new DataView(body.buffer);
  v.setUint32(0, 0x1a2b3c4d, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  v.setInt32(8, -1, true); // section length unknown (-1, 64 bits)
  v.setInt32(12, -1, true);
  return body;
}

function interfaceDescription(): Uint8Array {
  const body = new Uint8Array(8);
  const v = new DataView(body.buffer);
  v.setUint16(0, LINKTYPE_RAW, true);
  v.setUint32(4, 0, true); // snap length: none
  return body;
}

/** Timestamps in microseconds (the default if_tsresol), split in two 32-bit halves. */
function enhancedPacket(at: number, packet: Uint8Array): Uint8Array {
  const body = new Uint8Array(20 + packet.length);
  const v = new DataView(body.buffer);
  const us = Math.round(at * 1000);
  v.setUint32(0, 0, true);
  v.setUint32(4, Math.floor(us / 0x100000000), true);
  v.setUint32(8, us % 0x100000000, true);
  v.setUint32(12, packet.length, true);
  v.setUint32(16, packet.length, true);
  body.set(packet, 20);
  return body;
}

/** The streams as one pcapng file, packets in time order. */
export function writePcapng(streams: CapturedStream[]): Uint8Array {
  const w = new BlockWriter();
  w.block(0x0a0d0d0a, sectionHeader());
  w.block(1, interfaceDescription());
  const all: Segment[] = [];
  for (const st of streams) all.push(...segmentsOf(st));
  // Stable: a stream's segments keep their order when times tie.
  all.sort((a, b) => a.at - b.at);
  let ipId = 1;
  for (const s of all) w.block(6, enhancedPacket(s.at, ipv4TcpPacket(s, ipId++)));
  return w.bytes();
}
