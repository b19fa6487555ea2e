// Power loss for the session, simulated: a store that dies at a chosen byte (the write under
// way keeps only its first bytes), a model broker that outlives the client and counts what it
// delivers, and a runner that plays one scenario step by step, cutting power after a chosen
// step or at a chosen byte, and starting a new session on the same store bytes each time.
// Platform-free: it runs on Node and inside XS.
import { decodeClientPacket, Packet, PacketType, Reader } from '../../src/core/codec/index.js';
import { SessionJournal, journalSize } from '../../src/core/session/journal.js';
import { RamStore } from '../../src/core/session/ram-store.js';
import type { SessionStore } from '../../src/core/session/session-store.js';
import { SessionOptions, utf8 } from '../../src/core/session/index.js';
import { Harness } from './harness.js';
import * as P from './packets.js';

/** Thrown by CutStore when the power goes. */
export class PowerLoss extends Error {}

/**
 * A store (RAM, or any other) that loses power once `budget` bytes have been written or
 * erased (Infinity: never). A cut erase leaves a prefix erased in RAM, the block untouched elsewhere.
 */
export class CutStore implements SessionStore {
  inner: SessionStore;
  ram: RamStore | null;
  size: number;
  blockSize: number;
  budget = Infinity;
  written = 0;
  writes = 0;
  /** The cut fell inside a write or an erase (not between two). */
  torn = false;

  constructor(inner: SessionStore) {
    this.inner = inner;
    this.ram = inner instanceof RamStore ? inner : null;
    this.size = inner.size;
    this.blockSize = inner.blockSize;
  }

  read(offset: number, into: Uint8Array, length: number): void {
    this.inner.read(offset, into, length);
  }

  write(offset: number, bytes: Uint8Array, length: number): void {
    const n = Math.min(length, this.budget);
    if (n > 0) this.inner.write(offset, bytes, n);
    this.spend(n, length);
    this.writes++;
  }

  erase(block: number): void {
    const n = Math.min(this.blockSize, this.budget);
    if (n === this.blockSize) this.inner.erase(block);
    else if (this.ram !== null) for (let i = 0; i < n; i++) this.ram.bytes[block * this.blockSize + i] = 0xff;
    this.spend(n, this.blockSize);
  }

  private spend(done: number, wanted: number): void {
    this.budget -= done;
    this.written += done;
    if (done < wanted) {
      this.torn = done > 0;
      this.budget = Infinity;
      throw new PowerLoss('power cut');
    }
  }
}

interface Outbound { id: number; qos: number; payload: string; state: 'new' | 'pub' | 'rel' }

/** The broker: a QoS 2 receiver of method B (deliver on PUBLISH, hold the id until PUBREL), sender with resend on reconnect. */
export class ModelBroker {
  version: number;
  known = false;
  online = false;
  /** Payloads the broker delivered onwards (each PUBLISH it took as new). */
  delivered: string[] = [];
  held = new Set<number>();
  out: Outbound[] = [];
  nextId = 1;
  /** Packets on their way to the client: one reaches it per step, a cut loses them. */
  pending: Uint8Array[] = [];
  reader = new Reader();
  pkt = new Packet(8, 8, 4);

  constructor(version: number) {
    this.version = version;
  }

  /** The broker publishes a message to the client (sent now when connected). */
  send(payload: string, qos: number): void {
    const m: Outbound = { id: qos > 0 ? this.nextId++ : 0, qos, payload, state: 'new' };
    this.out.push(m);
    if (this.online) this.transmit(m, false);
  }

  private transmit(m: Outbound, dup: boolean): void {
    if (m.state === 'rel') {
      this.pending.push(P.pubrel(m.id, 0, { v: this.version }));
      return;
    }
    if (m.qos === 0) this.out.splice(this.out.indexOf(m), 1);
    else m.state = 'pub';
    this.pending.push(P.publish('in/x', m.payload, { qos: m.qos, id: m.id, dup, v: this.version }));
  }

  /** The connection is gone: what is in flight waits for the next one. */
  lost(): void {
    this.online = false;
    this.pending = [];
  }

  /** Delivers one packet to the client, or handles one whole packet the client wrote: false when there is neither. */
  step(h: Harness): boolean {
    const next = this.pending.shift();
    if (next !== undefined) {
      h.respond(next);
      return true;
    }
    const sent = h.transport.sent;
    if (sent.length < 2) return false;
    const total = P.frameLength(sent, 0, sent.length);
    if (total === 0) return false;
    const bytes = new Uint8Array(sent.splice(0, total));
    const p = this.pkt;
    const rc = decodeClientPacket(this.reader, bytes, 0, bytes.length, this.version, p);
    if (rc < 0) throw new Error(`broker: undecodable packet ${rc}`);
    const v = { v: this.version };
    switch (p.type) {
      case PacketType.Connect: {
        this.pending.push(P.connack(0, this.known && !p.cleanStart, v));
        if (p.cleanStart) { this.held.clear(); this.out = []; }
        this.known = true;
        this.online = true;
        for (const m of this.out.slice()) this.transmit(m, m.state === 'pub');
        break;
      }
      case PacketType.Publish: {
        const payload = new TextDecoderLite().decode(p.payload, p.payloadOff, p.payloadLen);
        if (p.qos === 2) {
          if (!this.held.has(p.packetId)) this.delivered.push(payload);
          this.held.add(p.packetId);
          this.pending.push(P.pubrec(p.packetId, 0, v));
        } else {
          this.delivered.push(payload);
          if (p.qos === 1) this.pending.push(P.puback(p.packetId, 0, v));
        }
        break;
      }
      case PacketType.Pubrel:
        this.held.delete(p.packetId);
        this.pending.push(P.pubcomp(p.packetId, 0, v));
        break;
      case PacketType.Puback:
      case PacketType.Pubcomp:
      case PacketType.Pubrec: {
        const m = this.out.find((x) => x.id === p.packetId && x.state !== 'new');
        if (m === undefined) break;
        if (p.type === PacketType.Pubrec) {
          m.state = 'rel';
          this.transmit(m, false);
        } else {
          this.out.splice(this.out.indexOf(m), 1);
        }
        break;
      }
      case PacketType.Subscribe: {
        const codes: number[] = [];
        for (let k = 0; k < p.count; k++) codes.push(p.options[k] & 3);
        this.pending.push(P.suback(p.packetId, codes, v));
        break;
      }
      default:
        break;
    }
    return true;
  }
}

/** UTF-8 of ASCII payloads, without TextDecoder (not in XS). */
class TextDecoderLite {
  decode(b: Uint8Array, off: number, len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(b[off + i]);
    return s;
  }
}

/** One scenario action: the app publishes, subscribes, or the broker publishes to the client. */
export type Action = ['pub', string, number] | ['sub', string, number] | ['send', string, number];

export function persistOptions(version: number): SessionOptions {
  const o = new SessionOptions();
  o.version = version;
  o.clientId = utf8('c1');
  o.cleanStart = false;
  o.sessionExpiry = version === 5 ? 3600 : 0;
  o.keepAlive = 0;
  o.receiveBufferSize = 256;
  o.sendBufferSize = 256;
  o.inflight = 3;
  o.queueCount = 4;
  o.storeBytes = 256;
  o.subscriptions = 2;
  o.subscriptionBytes = 32;
  o.inboundQos2 = 4;
  o.topicAliasMaximum = 0;
  o.outboundAliases = 0;
  return o;
}

export interface Outcome {
  /** Payloads whose publish() returned a handle, with their QoS. */
  accepted: Map<string, number>;
  /** Payloads the broker delivered, in order. */
  brokerGot: string[];
  /** Payloads the client's application received, over all lives. */
  appGot: string[];
  /** What the broker sent, with QoS. */
  sent: Map<string, number>;
  lives: number;
  /** Records restored, summed over the lives after the first. */
  restored: number;
  /** Bytes written to the store in a run without a cut. */
  written: number;
  /** Messages left in the last session's store (0 when everything completed). */
  left: number;
  brokerHeld: number;
  brokerOut: number;
  snapshots: number;
  steps: number;
  torn: boolean;
}

/**
 * Plays the actions: one step is an action or the broker handling one packet from the client.
 * Power goes after step `cutAfter` (-1: never) or when the store has written `cutAtByte`
 * bytes (Infinity: never); then a new session starts on the same store and the run goes on
 * to the end (the application does not repeat the actions it already made).
 */
export function play(version: number, actions: Action[], cutAfter: number, cutAtByte: number, region: SessionStore | null = null): Outcome {
  let inner = region;
  if (inner === null) {
    inner = new RamStore(journalSize(persistOptions(version), 256), 256);
  } else {
    // A blank region for each run.
    for (let b = 0; b < inner.size / inner.blockSize; b++) inner.erase(b);
  }
  const store = new CutStore(inner);
  store.budget = cutAtByte;
  const broker = new ModelBroker(version);
  const out: Outcome = { accepted: new Map(), brokerGot: broker.delivered, appGot: [], sent: new Map(), lives: 0, restored: 0, written: 0, left: 0, brokerHeld: 0, brokerOut: 0, snapshots: 0, steps: 0, torn: false };
  let h: Harness | null = null;
  let journal: SessionJournal | null = null;
  let step = 0;
  let next = 0;
  const collect = (): void => {
    if (h !== null) for (const m of h.handler.messages) out.appGot.push(m.payload);
    h = null;
  };
  const boot = (): Harness => {
    for (let tries = 0; tries < 5; tries++) {
      try {
        const o = persistOptions(version);
        journal = new SessionJournal(store, o);
        o.persistence = journal;
        out.lives++;
        const nh = new Harness(o);
        if (out.lives > 1) out.restored += journal.restored;
        nh.start();
        return nh;
      } catch (e) {
        if (!(e instanceof PowerLoss)) throw e;
      }
    }
    throw new Error('no boot');
  };
  h = boot();
  for (let guard = 0; guard < 10000; guard++) {
    const cur: Harness = h!;
    try {
      if (step === cutAfter) {
        step++;
        throw new PowerLoss('cut after step');
      }
      if (broker.step(cur)) {
        step++;
        continue;
      }
      if (next >= actions.length) break;
      const [kind, text, qos] = actions[next++];
      step++;
      if (kind === 'pub') {
        const t = utf8('out/x');
        const p = utf8(text);
        const handle = cur.session.publish(t, 0, t.length, p, 0, p.length, qos, false);
        if (handle > 0) out.accepted.set(text, qos);
      } else if (kind === 'sub') {
        const f = utf8(text);
        cur.session.subscribe(f, 0, f.length, qos, 0, null);
      } else {
        out.sent.set(text, qos);
        broker.send(text, qos);
      }
    } catch (e) {
      if (!(e instanceof PowerLoss)) throw e;
      collect();
      broker.lost();
      h = boot();
    }
  }
  const last: Harness = h!;
  out.left = last.session.store.inflight + last.session.store.queued;
  out.written = store.written;
  out.steps = step;
  out.torn = store.torn;
  out.brokerHeld = broker.held.size;
  out.brokerOut = broker.out.length;
  out.snapshots = journal !== null ? (journal as SessionJournal).snapshots : 0;
  collect();
  return out;
}

/** The scenario: both directions, QoS 1 and 2, a subscription, messages queued while the window is full. */
export const SCENARIO: Action[] = [
  ['sub', 'in/#', 2],
  ['pub', 'a1', 1], ['pub', 'a2', 2], ['send', 'b1', 2], ['pub', 'a3', 2], ['send', 'b2', 1],
  ['pub', 'a4', 1], ['pub', 'a5', 2], ['send', 'b3', 2], ['pub', 'a6', 2], ['send', 'b4', 2],
];

/** What must hold after any run: a list of failures (empty when all is well). */
export function check(o: Outcome): string[] {
  const bad: string[] = [];
  const count = (list: string[], x: string): number => list.filter((y) => y === x).length;
  for (const [payload, qos] of o.accepted) {
    const n = count(o.brokerGot, payload);
    if (n === 0) bad.push(`accepted ${payload} lost`);
    if (qos === 2 && n > 1) bad.push(`QoS 2 ${payload} delivered ${n} times by the broker`);
  }
  for (const [payload, qos] of o.sent) {
    const n = count(o.appGot, payload);
    if (n === 0) bad.push(`broker's ${payload} never reached the application`);
    if (qos === 2 && n > 1) bad.push(`QoS 2 ${payload} delivered ${n} times to the application`);
  }
  if (o.left !== 0) bad.push(`${o.left} messages left in the store`);
  if (o.brokerHeld !== 0 || o.brokerOut !== 0) bad.push(`broker still holds ${o.brokerHeld} ids, ${o.brokerOut} outbound`);
  return bad;
}
