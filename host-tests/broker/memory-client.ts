// A client joined to the broker by an in-process Link, with no socket: each packet it sends is
// handled and answered before send() returns. With the broker on a VirtualClock, a test runs
// hours or years of protocol time in milliseconds.
import type { Broker, Connection } from '../../src/broker/broker.js';
import type { Link } from '../../src/broker/link.js';
import { Framer } from '../../src/core/codec/framer.js';
import { Packet } from '../../src/core/codec/packet.js';
import { connectRecord, encodeRecord, readPackets, Snap } from './helpers.js';

export class MemoryClient implements Link {
  readonly conn: Connection;
  packets: Snap[] = [];
  /** The broker ended or destroyed the link. */
  closed = false;
  readonly buffered = 0;
  private framer = new Framer(1 << 20);
  private pkt = new Packet(32, 16, 8);
  private out = new Uint8Array(1 << 16);

  constructor(readonly broker: Broker, readonly version = 5, address = '127.0.0.1') {
    this.framer.version = version;
    const conn = broker.open(this, 'memory', address);
    if (conn === null) throw new Error('the broker refused the link');
    this.conn = conn;
  }

  write(chunk: Uint8Array): void {
    readPackets(this.framer, this.pkt, chunk, this.packets);
  }

  pause(): void {}
  resume(): void {}
  end(): void {
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
  }

  /** Sends one packet built on a fresh record; the broker's answers are in `packets` on return. */
  send(type: number, build: (p: Packet) => void = () => undefined): void {
    this.conn.receive(encodeRecord(type, this.version, build, this.out));
    this.broker.flushAll();
  }

  /** CONNECT (client id, keep alive 60, clean start, then `build`'s changes) and its CONNACK. */
  connect(clientId: string, build: (p: Packet) => void = () => undefined): Snap {
    this.send(1, connectRecord(clientId, build));
    return this.take(2);
  }

  /** The next packet the broker wrote, which must be of `type`. */
  take(type: number): Snap {
    const p = this.packets.shift();
    if (p === undefined) throw new Error(`expected packet type ${type}, got nothing`);
    if (p.type !== type) throw new Error(`expected packet type ${type}, got ${p.type} ${JSON.stringify(p)}`);
    return p;
  }

  /** The network went away under the client (no DISCONNECT). */
  vanish(): void {
    this.conn.peerClosed();
    this.closed = true;
  }
}
