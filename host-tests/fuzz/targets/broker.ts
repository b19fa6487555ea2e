// The broker's connection handling over in-memory streams: one subscriber to '#' connected
// first (so what the fuzzed client publishes is routed and sent), then the fuzzed client's
// bytes in random chunks with keep-alive checks in between. Input: a byte of options, a seed
// for the chunking and the time steps, then the client's bytes (a CONNECT first, in the seeds).
// Checked: nothing thrown and no internal error logged, the receive buffer within its limit,
// every packet the broker writes well formed, and a refusal code on every close it chooses.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Broker } from '../../../src/broker/index.js';
import type { Connection } from '../../../src/broker/broker.js';
import { decodeServerBody, Framer, Packet } from '../../../src/core/codec/index.js';
import { connect, subscribe } from '../../session/packets.js';
import { Rng } from '../mutate.js';
import { seedPackets } from '../seeds.js';
import { check, FuzzTarget, isRefusalCode, option } from '../target.js';

const FRAMER_SIZE = 4096;
const PACKET_CONNACK = 2;
const PACKET_DISCONNECT = 14;

/** Just enough of a Duplex for the broker: data comes in by emit('data'), writes are kept. */
class MemoryStream extends EventEmitter {
  out: Buffer[] = [];
  ended = false;
  destroyed = false;
  writableLength = 0;
  remoteAddress = '127.0.0.1';
  write(chunk: Uint8Array): boolean {
    check(!this.ended, 'written after end()');
    this.out.push(Buffer.from(chunk));
    return true;
  }
  end(): this { this.ended = true; return this; }
  destroy(): this { this.destroyed = true; return this; }
  pause(): this { return this; }
  resume(): this { return this; }
  setNoDelay(): this { return this; }
  take(): Uint8Array { return Buffer.concat(this.out.splice(0)); }
}

/** The packets in bytes a server wrote, decoded as a client of this level: their types and reason codes. */
function packets(bytes: Uint8Array, version: number, who: string): { type: number; rc: number }[] {
  const f = new Framer(1 << 20, null, decodeServerBody);
  f.version = version;
  const p = new Packet(256, 64, 32);
  const out: { type: number; rc: number }[] = [];
  let at = 0;
  for (let pos = 0; pos < bytes.length;) {
    pos += f.push(bytes, pos, bytes.length - pos);
    for (;;) {
      const n = f.next(p);
      check(n >= 0, `the broker wrote to ${who} a packet that does not decode (${n}): ${Buffer.from(bytes.subarray(at, at + 64)).toString('hex')}`);
      if (n === 0) break;
      at += n;
      out.push({ type: p.type, rc: p.reasonCode });
    }
  }
  check(at === bytes.length, `the broker wrote to ${who} ${bytes.length - at} bytes of an unfinished packet`);
  return out;
}

class BrokerTarget implements FuzzTarget {
  name = 'broker';
  modules = ['/dist/src/broker/', '/dist/src/core/codec/', '/dist/src/core/topic/'];
  optionBytes = 2;
  maxLen = 8192;

  seeds(): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    for (const s of seedPackets()) {
      if (s.type === 2 || s.type === 9 || s.type === 11 || s.type === 13) continue;
      // A CONNECT seed alone; anything else after a CONNECT of its level.
      const head = s.type === 1 ? new Uint8Array(0) : connect({ v: s.version, clientId: `c${i}` });
      out.push(Uint8Array.from([i & 0xff, (i * 13) & 0xff, ...head, ...s.bytes]));
      i++;
    }
    return out;
  }

  run(input: Uint8Array): void {
    const o = option(input, 0, 256);
    const rng = new Rng(option(input, 1, 256) * 2654435761 + input.length);
    const maxPacketSize = (o & 1) !== 0 ? 512 : 16384;
    const logs: string[] = [];
    let lastIn = '';
    const broker = new Broker({
      sysInterval: 0, maxPacketSize, topicAliasMaximum: (o & 2) !== 0 ? 0 : 4, receiveMaximum: (o & 4) !== 0 ? 2 : 100,
      maxQueued: 8, maxInflight: 4,
      onLog: (line) => logs.push(line),
      onTrace: (_line, rec) => { if (rec !== null && rec.dir === 'in' && rec.client !== 'sub') lastIn = rec.type; },
    });
    try {
      const sub = new MemoryStream();
      broker.accept(sub as unknown as Duplex, 'fuzz', '10.0.0.1');
      sub.emit('data', Buffer.from(connect({ v: 5, clientId: 'sub' })));
      sub.emit('data', Buffer.from(subscribe(1, [['#', 2]], { v: 5 })));
      const client = new MemoryStream();
      const conn = broker.accept(client as unknown as Duplex, 'fuzz', '10.0.0.2') as Connection;
      check(conn !== null, 'the fuzzed connection was refused');
      const stream = input.subarray(2);
      const limit = Math.max(FRAMER_SIZE, maxPacketSize);
      for (let pos = 0; pos < stream.length && !conn.closed;) {
        const n = Math.min(stream.length - pos, 1 + rng.below(rng.chance(3) ? 1024 : 48));
        client.emit('data', Buffer.from(stream.subarray(pos, pos + n)));
        pos += n;
        const f = conn.framer;
        check(f.buf.length <= limit && f.fill - f.start <= limit, `the connection buffers ${f.fill - f.start} bytes in a buffer of ${f.buf.length}, over ${limit}`);
        if (rng.chance(8)) conn.checkTimers(Date.now() + rng.below(40000));
      }
      (broker as unknown as { flushAll(): void }).flushAll();
      for (const line of logs) check(!line.includes('internal error'), line.split('\n').slice(0, 3).join(' | '));
      const version = conn.version;
      const out = packets(client.take(), version, 'the client');
      packets(sub.take(), 5, 'the subscriber');
      if (version !== 5) {
        check(!out.some((p) => p.type === PACKET_DISCONNECT), 'a DISCONNECT sent to an MQTT 3 client');
      } else if (client.ended && lastIn !== 'DISCONNECT') {
        // The broker chose to close: a v5 client is told why (a CONNACK before CONNECT succeeded, else DISCONNECT).
        const last = out[out.length - 1];
        if (conn.connected || (last !== undefined && last.type === PACKET_CONNACK)) {
          check(last !== undefined && (last.type === PACKET_DISCONNECT || last.type === PACKET_CONNACK) && isRefusalCode(last.rc),
            `the broker closed an MQTT 5 connection without a reason code (last packet ${JSON.stringify(last)})`);
        }
      }
    } finally {
      broker.close();
    }
  }
}

export const broker = (): FuzzTarget => new BrokerTarget();
