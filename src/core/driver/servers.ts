// Failover over a list of servers (the nodes of a cluster): which one the next connection
// attempt goes to, when it may go at once, and an MQTT 5 Server Reference to follow. The list
// holds indices only; the target maps an index (or the reference's bytes) to an address.
import { PacketType, PropertyId, ReasonCode } from '../codec/constants.js';
import type { Packet } from '../codec/packet.js';

export const enum ServerOrder {
  /** First to last, then the first again (MQTT.js's `servers`). */
  InOrder = 0,
  /** A new random order for every round over the list. */
  Random = 1,
}

/** Room for a Server Reference's first entry; a longer one is not followed. */
export const REFERENCE_ROOM = 256;

/** References followed at once in a row; then the next one waits its turn (servers that redirect to each other). */
export const MAX_HOPS = 3;

export class ServerList {
  /** Servers configured. */
  readonly count: number;
  readonly order: number;
  /** Follow a Server Reference (0x9C Use another server, 0x9D Server moved), MQTT 5 section 4.11. */
  followReferences: boolean;
  /** The configured server the next (or current) attempt goes to, unless `referenceLength` > 0. */
  index: number;
  /** Attempts in this round that did not reach an accepted CONNACK. */
  tried: number;
  /** Bytes [0, referenceLength) of `reference` hold the server to try instead of `index`; 0: none. */
  reference: Uint8Array;
  referenceLength: number;
  /** The reference came with 0x9D (Server moved): kept while connections to it are accepted. */
  moved: boolean;
  /** References followed in a row. */
  hops: number;
  /** Position in `permutation`: the round's order. */
  private position: number;
  private permutation: Uint8Array;

  constructor(count: number, order: number) {
    this.count = count > 0 ? (count < 256 ? count : 255) : 1;
    this.order = order;
    this.followReferences = false;
    this.index = 0;
    this.tried = 0;
    this.reference = new Uint8Array(REFERENCE_ROOM);
    this.referenceLength = 0;
    this.moved = false;
    this.hops = 0;
    this.position = 0;
    this.permutation = new Uint8Array(this.count);
    for (let i = 0; i < this.count; i++) this.permutation[i] = i;
  }

  /** Sets the first round's order (random: shuffled with `random` in [0, 1)). */
  start(random: number): void {
    this.position = 0;
    this.tried = 0;
    if (this.order === ServerOrder.Random) this.shuffle(random);
    this.index = this.permutation[0];
  }

  /** A connection attempt starts. */
  opening(): void {
    this.tried++;
  }

  /**
   * The connection closed. `accepted`: it had reached an accepted CONNACK; `last`: the session's
   * last packet (a refusing CONNACK or the server's DISCONNECT may carry a Server Reference).
   * Moves to the server for the next attempt; true when that attempt may go at once (the round
   * over the list is not finished), false when it waits for the session's back-off.
   */
  closed(accepted: boolean, closeCode: number, last: Packet, random: number): boolean {
    const wasReference = this.referenceLength > 0;
    if (this.takeReference(closeCode, last)) return true;
    this.hops = 0;
    if (wasReference) {
      // A moved server that accepted stays; otherwise the list resumes where it was left.
      if (accepted && this.moved) {
        this.tried = 0;
        return false;
      }
      this.referenceLength = 0;
      this.moved = false;
    }
    if (accepted) this.tried = 0;
    this.advance(random);
    if (!accepted && this.tried < this.count) return true;
    this.tried = 0;
    return false;
  }

  /** Keeps the first entry of a Server Reference sent with 0x9C or 0x9D (MQTT 5 section 4.11); false when there is none to follow. */
  private takeReference(closeCode: number, p: Packet): boolean {
    if (!this.followReferences || this.hops >= MAX_HOPS) return false;
    if (closeCode !== ReasonCode.UseAnotherServer && closeCode !== ReasonCode.ServerMoved) return false;
    if (p.type !== PacketType.Connack && p.type !== PacketType.Disconnect) return false;
    if (p.reasonCode !== closeCode || !p.props.has(PropertyId.ServerReference)) return false;
    const buf = p.props.bufferOf(PropertyId.ServerReference);
    const off = p.props.offsetOf(PropertyId.ServerReference);
    const len = p.props.lengthOf(PropertyId.ServerReference);
    // The reference is a space-separated list; the first entry is taken.
    let n = 0;
    while (n < len && buf[off + n] !== 0x20) n++;
    if (n === 0 || n > REFERENCE_ROOM) return false;
    for (let i = 0; i < n; i++) this.reference[i] = buf[off + i];
    this.referenceLength = n;
    this.moved = closeCode === ReasonCode.ServerMoved;
    this.hops++;
    return true;
  }

  private advance(random: number): void {
    this.position++;
    if (this.position >= this.count) {
      this.position = 0;
      if (this.order === ServerOrder.Random) this.shuffle(random);
    }
    this.index = this.permutation[this.position];
  }

  /** A new order; the random number is stretched over the swaps (a small LCG seeded with it). */
  private shuffle(random: number): void {
    let seed = Math.floor(random * 2147483647) + 1;
    const p = this.permutation;
    for (let i = p.length - 1; i > 0; i--) {
      seed = (seed * 48271) % 2147483647;
      const j = seed % (i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
  }
}

/** Where the port starts in a reference `host:port` or `[v6]:port` (after the colon), or -1 when it has none. */
export function referencePortAt(ref: Uint8Array, len: number): number {
  let colon = -1;
  for (let i = len - 1; i >= 0; i--) {
    const c = ref[i];
    if (c === 0x3a) {
      colon = i;
      break;
    }
    if (c < 0x30 || c > 0x39) return -1;
  }
  if (colon <= 0 || colon === len - 1) return -1;
  // An IPv6 address without brackets has more colons: all of it is the host.
  if (ref[0] !== 0x5b) {
    for (let i = 0; i < colon; i++) if (ref[i] === 0x3a) return -1;
  }
  return colon + 1;
}

/** The port of a reference (see referencePortAt), or `otherwise` when it names none. */
export function referencePort(ref: Uint8Array, len: number, otherwise: number): number {
  const at = referencePortAt(ref, len);
  if (at < 0) return otherwise;
  let port = 0;
  for (let i = at; i < len; i++) port = port * 10 + ref[i] - 0x30;
  return port > 0 && port < 65536 ? port : otherwise;
}

/** The host part's bounds of a reference: [start, end) (brackets of an IPv6 address left out). */
export function referenceHostStart(ref: Uint8Array, len: number): number {
  return len > 0 && ref[0] === 0x5b ? 1 : 0;
}

export function referenceHostEnd(ref: Uint8Array, len: number): number {
  const at = referencePortAt(ref, len);
  let end = at < 0 ? len : at - 1;
  if (end > 0 && ref[end - 1] === 0x5d) end--;
  return end;
}
