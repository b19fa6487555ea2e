// A client joined to the broker by an in-process Link, with no socket: each packet it sends is
// handled and answered before send() returns. With the broker on a VirtualClock, a test runs
// hours or years of protocol time in milliseconds, and "nothing more arrives" is an exact check
// (`packets.length === 0`), not a wait.
import type { ExecutionContext } from 'ava';
import { Broker, BrokerOptions, Connection } from '../../src/broker/broker.js';
import { VirtualClock } from '../../src/broker/clock.js';
import type { Link } from '../../src/broker/link.js';
import { Framer } from '../../src/core/codec/framer.js';
import { Packet } from '../../src/core/codec/packet.js';
import { connectRecord, encodeRecord, readPackets, Snap } from './helpers.js';

/** The memory clients of each broker, so input held back while paused is delivered on resume. */
const joined = new WeakMap<Broker, Set<MemoryClient>>();

export class MemoryClient implements Link {
  readonly conn: Connection;
  packets: Snap[] = [];
  /** The broker ended or destroyed the link. */
  closed = false;
  readonly buffered = 0;
  /** The record packets are decoded into: a larger one decodes more codes or user properties. */
  pkt = new Packet(32, 16, 8);
  /** The broker stopped reading from this client (back-pressure): what it sends is held. */
  paused = false;
  private held: Uint8Array[] = [];
  private framer = new Framer(1 << 20);
  private out = new Uint8Array(1 << 16);

  constructor(readonly broker: Broker, readonly version = 5, address = '127.0.0.1') {
    this.framer.version = version;
    const conn = broker.open(this, 'memory', address);
    if (conn === null) throw new Error('the broker refused the link');
    this.conn = conn;
    let set = joined.get(broker);
    if (!set) joined.set(broker, (set = new Set()));
    set.add(this);
  }

  write(chunk: Uint8Array): void {
    readPackets(this.framer, this.pkt, chunk, this.packets);
  }

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
  }

  /** Sends one packet built on a fresh record; the broker's answers are in `packets` on return. */
  send(type: number, build: (p: Packet) => void = () => undefined): void {
    this.raw(encodeRecord(type, this.version, build, this.out));
  }

  /** Sends bytes as they are (held while the broker has paused this client), then lets the broker answer. */
  raw(bytes: number[] | Uint8Array): void {
    const chunk = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    if (this.paused || this.held.length > 0) this.held.push(Uint8Array.from(chunk));
    else this.conn.receive(chunk);
    settle(this.broker);
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
    settle(this.broker);
  }

  /** Delivers input held while paused; true if any was. */
  deliverHeld(): boolean {
    if (this.paused || this.held.length === 0) return false;
    const chunk = this.held.shift()!;
    if (!this.closed) this.conn.receive(chunk);
    return true;
  }
}

/**
 * Writes every connection's pending output and feeds the input of clients the broker has
 * resumed, until nothing more moves: what a socket would do in the turns that follow.
 */
export function settle(broker: Broker): void {
  for (;;) {
    broker.flushAll();
    let moved = false;
    for (const c of joined.get(broker) ?? []) if (c.deliverHeld()) moved = true;
    if (!moved) return;
  }
}

/** A memory client that has connected (CONNACK 0 checked). */
export function connected(broker: Broker, clientId: string, build: (p: Packet) => void = () => undefined, version = 5): MemoryClient {
  const c = new MemoryClient(broker, version);
  const ack = c.connect(clientId, build);
  if (ack.reasonCode !== 0) throw new Error(`CONNACK 0x${ack.reasonCode.toString(16)} for ${clientId}`);
  return c;
}

/** The start of simulated time in the broker tests. */
export const START = Date.UTC(2026, 11, 4);

export interface VirtualBroker {
  broker: Broker;
  clock: VirtualClock;
  /** Moves simulated time on by ms, running what falls due, and writes what that produced. */
  advance(ms: number): void;
  /**
   * Moves time on a millisecond at a time until cond holds (at most `max` ms); the
   * milliseconds it took, or -1 if cond never held.
   */
  advanceUntil(cond: () => boolean, max: number): number;
}

/** A broker on simulated time ($SYS off unless asked for), closed with the test. */
export function virtualBroker(t: ExecutionContext, options: BrokerOptions = {}): VirtualBroker {
  const clock = new VirtualClock(START);
  const broker = new Broker({ sysInterval: 0, clock, ...options });
  t.teardown(() => broker.close());
  const advance = (ms: number): void => {
    clock.advance(ms);
    settle(broker);
  };
  const advanceUntil = (cond: () => boolean, max: number): number => {
    for (let ms = 0; ms <= max; ms++) {
      if (cond()) return ms;
      advance(1);
    }
    return -1;
  };
  return { broker, clock, advance, advanceUntil };
}
