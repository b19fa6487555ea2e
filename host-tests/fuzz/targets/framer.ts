// The Framer fed a byte stream in random chunkings. Input: protocol level, then a byte of
// options (direction, buffer size, streaming, Maximum Packet Size), a chunking seed, then the
// stream. Checked: the same packets (or streamed PUBLISH) and the same error however the stream
// is cut, each packet as decodeXPacket reads the same bytes, and a buffer that never grows.
import { decodeClientBody, decodeClientPacket, decodeServerBody, decodeServerPacket, Framer, Packet, Reader } from '../../../src/core/codec/index.js';
import { Rng } from '../mutate.js';
import { seedPackets } from '../seeds.js';
import { check, checkResult, FuzzTarget, hex, option } from '../target.js';
import { newRecord, snapshot } from './decoders.js';

const CAPACITIES = [24, 64, 256, 4096];

interface Config {
  version: number;
  server: boolean;
  capacity: number;
  streaming: boolean;
  maxPacketSize: number;
}

function config(input: Uint8Array): Config {
  const o = option(input, 1, 256);
  return {
    version: 3 + option(input, 0, 3),
    server: (o & 1) !== 0,
    capacity: CAPACITIES[(o >> 1) & 3],
    streaming: (o & 8) !== 0,
    maxPacketSize: (o & 16) !== 0 ? 100 : 0,
  };
}

class FramerTarget implements FuzzTarget {
  name = 'framer';
  modules = ['/dist/src/core/codec/', '/dist/src/core/topic/'];
  optionBytes = 3;
  maxLen = 8192;
  private p = newRecord();
  private q = newRecord();
  private r = new Reader();

  seeds(): Uint8Array[] {
    const out: Uint8Array[] = [];
    const all = seedPackets();
    for (let i = 0; i < all.length; i++) {
      const s = all[i];
      // Alone, and followed by the next packet of the same level (two packets in one stream).
      const next = all.find((t, j) => j > i && t.version === s.version) ?? s;
      const o = (i & 1) | ((i >> 1) & 3) << 1 | (i % 5 === 0 ? 8 : 0);
      out.push(Uint8Array.from([s.version - 3, o, i & 0xff, ...s.bytes]));
      out.push(Uint8Array.from([s.version - 3, o ^ 1, (i * 7) & 0xff, ...s.bytes, ...next.bytes]));
    }
    return out;
  }

  /** Feeds the stream `max` bytes at most at a time (random sizes when rng is given): the events, as text. */
  private feed(c: Config, stream: Uint8Array, rng: Rng | null, max: number): string[] {
    const f = new Framer(c.capacity, null, c.server ? decodeClientBody : decodeServerBody);
    f.version = c.version;
    f.streaming = c.streaming;
    if (c.maxPacketSize > 0) f.maxPacketSize = c.maxPacketSize;
    const buf = f.buf;
    const p = this.p;
    const events: string[] = [];
    let streamed = '';
    let pos = 0;
    for (let guard = 0; ; guard++) {
      check(guard < stream.length * 4 + 64, 'the framer makes no progress');
      const want = rng !== null ? 1 + rng.below(max) : max;
      pos += f.push(stream, pos, Math.min(want, stream.length - pos));
      for (;;) {
        const n = f.next(p);
        // The packet returned starts at `start` until the next call releases it.
        const start = f.start;
        check(f.buf === buf && buf.length === c.capacity && f.fill <= buf.length, 'the receive buffer changed size');
        if (n === 0) break;
        if (n < 0) {
          checkResult(n, 'Framer.next');
          events.push(`error ${n}`);
          return events;
        }
        if (p.chunk === 0) {
          events.push(`packet ${hex(buf.subarray(start, start + n))} ${snapshot(p)}`);
          this.direct(c, buf.subarray(start, start + n), p);
        } else {
          if (p.chunk === 1) {
            if (streamed !== '') events.push(streamed);
            streamed = `stream ${p.streamTotal} ${p.qos} ${p.packetId} ${hex(p.topic.subarray(p.topicOff, p.topicOff + p.topicLen))} `;
          } else {
            check(streamed !== '', 'a payload chunk without its head');
          }
          check(p.streamOffset + p.payloadLen <= p.streamTotal, 'a chunk runs past the streamed payload');
          streamed += hex(p.payload.subarray(p.payloadOff, p.payloadOff + p.payloadLen));
        }
      }
      if (pos >= stream.length) break;
    }
    if (streamed !== '') events.push(streamed);
    return events;
  }

  /** The packet as the direct decoder reads it: the same. */
  private direct(c: Config, bytes: Uint8Array, framed: Packet): void {
    const decode = c.server ? decodeClientPacket : decodeServerPacket;
    const rc = decode(this.r, bytes, 0, bytes.length, c.version, this.q);
    check(rc === 0 && snapshot(this.q) === snapshot(framed), `the framer accepted what the decoder reads as ${rc}`);
  }

  run(input: Uint8Array): void {
    const c = config(input);
    const stream = input.subarray(3);
    const rng = new Rng(option(input, 2, 256) * 2654435761 + stream.length);
    const whole = this.feed(c, stream, null, stream.length + 1).join('\n');
    const cut = this.feed(c, stream, rng, 1 + rng.below(64)).join('\n');
    check(cut === whole, `chunking changed the result:\n${whole}\n---\n${cut}`);
  }
}

export const framer = (): FuzzTarget => new FramerTarget();
