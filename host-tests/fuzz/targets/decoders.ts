// The two decoders, one packet at a time. Input: one option byte (protocol level 3, 4 or 5),
// then the packet. Checked: a result that is 0 or a refusal code, the body read exactly, a
// result that depends on the packet's bytes only, and encode(decode(bytes)) decoding the same.
import { decodeClientPacket, decodeServerPacket, encodeClientPacket, encodeServerPacket, Packet, Reader } from '../../../src/core/codec/index.js';
import { canon, toMqtt } from '../../codec/helpers/convert.js';
import { seedPackets } from '../seeds.js';
import { check, checkResult, FuzzTarget, option } from '../target.js';

type Decode = (r: Reader, buf: Uint8Array, off: number, len: number, version: number, p: Packet) => number;
type Encode = (p: Packet, out: Uint8Array, off: number) => number;

/** One record of a decoded packet, comparable as a string. */
export function snapshot(p: Packet): string {
  return JSON.stringify(canon(toMqtt(p), p.version));
}

export function newRecord(): Packet {
  return new Packet(16, 16, 8);
}

/** Decodes at an offset inside a buffer filled with `fill` around the packet. */
function decodeAt(decode: Decode, r: Reader, pkt: Uint8Array, version: number, p: Packet, fill: number): number {
  const buf = new Uint8Array(pkt.length + 7).fill(fill);
  buf.set(pkt, 3);
  return decode(r, buf, 3, pkt.length, version, p);
}

class DecoderTarget implements FuzzTarget {
  modules = ['/dist/src/core/codec/', '/dist/src/core/topic/'];
  optionBytes = 1;
  maxLen = 4096;
  private r = new Reader();
  private a = newRecord();
  private b = newRecord();
  private c = newRecord();
  private out = new Uint8Array(1 << 14);

  /** Per packet type, the largest seed of that type: decoded into a record first, it leaves the most behind. */
  private rich = new Map<number, { version: number; bytes: Uint8Array }>();

  constructor(public name: string, private decode: Decode, private encode: Encode) {
    for (const s of seedPackets()) {
      const had = this.rich.get(s.type);
      if (had === undefined || had.bytes.length < s.bytes.length) this.rich.set(s.type, s);
    }
  }

  seeds(): Uint8Array[] {
    return seedPackets().map((s) => Uint8Array.from([s.version - 3, ...s.bytes]));
  }

  run(input: Uint8Array): void {
    const version = 3 + option(input, 0, 3);
    const pkt = input.subarray(1);
    const r = this.r;
    const rc = decodeAt(this.decode, r, pkt, version, this.a, 0x00);
    checkResult(rc, 'decode');
    // Read exactly: every field inside the packet, up to its end (a PUBLISH payload is the rest, not read).
    if (rc === 0) {
      const rest = this.a.type === 3 && this.a.payloadOff === r.pos ? this.a.payloadLen : 0;
      check(r.err === 0 && r.pos + rest === r.end && r.end === 3 + pkt.length, `accepted with ${r.end - r.pos - rest} bytes of the body unread (err ${r.err})`);
    }
    const shot = rc === 0 ? snapshot(this.a) : '';
    // The other record decodes a packet full of fields first: nothing of it, nor of the bytes around, may show.
    const rich = this.rich.get(pkt.length > 0 ? pkt[0] >> 4 : 0);
    if (rich !== undefined) this.decode(r, rich.bytes, 0, rich.bytes.length, rich.version, this.b);
    const rc2 = decodeAt(this.decode, r, pkt, version, this.b, 0xff);
    check(rc2 === rc, `decode returned ${rc} and ${rc2} for the same packet with other bytes around it`);
    if (rc !== 0) return;
    check(snapshot(this.b) === shot, `decoded differently with other bytes around it, or after other packets: ${shot} / ${snapshot(this.b)}`);
    let out = this.out;
    let n = this.encode(this.a, out, 0);
    if (n === -0x95) {
      out = new Uint8Array(pkt.length * 4 + 1024);
      n = this.encode(this.a, out, 0);
    }
    check(n > 0, `encoding the decoded packet failed: ${n}`);
    const rc3 = this.decode(r, out, 0, n, version, this.c);
    check(rc3 === 0, `the re-encoded packet does not decode: ${rc3} (${Buffer.from(out.subarray(0, n)).toString('hex')})`);
    check(snapshot(this.c) === shot, `round trip changed the packet: ${shot} -> ${snapshot(this.c)}`);
  }
}

/** What a client reads: packets a server sends. */
export const clientDecoder = (): FuzzTarget => new DecoderTarget('client-decoder', decodeServerPacket, encodeServerPacket);
/** What a server reads: packets a client sends. */
export const serverDecoder = (): FuzzTarget => new DecoderTarget('server-decoder', decodeClientPacket, encodeClientPacket);
