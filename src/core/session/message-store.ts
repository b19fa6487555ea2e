// Outbound messages the session keeps: the offline queue (not yet sent) and the inflight table
// (QoS 1/2 sent, awaiting acknowledgement). One store for both, because a message moves from
// one to the other and its bytes (the whole encoded PUBLISH, copied from the caller) need not
// move. Each record has one RecordState (outbound-state.ts) and sits in one of three lists kept
// in order of transmission (`seq`): the queue, the due (a PUBLISH or PUBREL to send) and the
// waiting (for an ack, or for CONNACK). The next to send is a list's head: no scan
// (MQTT-4.6.0-1: resent in order).
import { ARENA_SLOTS, arenaInts, arenaMemory, ByteArena } from './arena.js';
import { f64, Memory, viewBytes } from '../codec/memory.js';
import { isDue, isHeld, nextState, RecordEvent, RecordState, UNEXPECTED } from './outbound-state.js';

export const enum StoreList {
  Queue = 0,
  Due = 1,
  Waiting = 2,
}

/**
 * Per-slot numbers, STRIDE to a slot after the store's counters, in the arena's r (one typed
 * array, not two): the flags word, the MQTT 5 Message Expiry Interval it was published with
 * (seconds, -1 for none: read without decoding the stored packet), and the next slot in its
 * list (-1: none). Singly linked: a record leaves its list at or near the head (the earliest
 * is acknowledged first), and the walk to it is no longer than find()'s.
 */
const FLAGS = 0;
const EXPIRY = 1;
const NEXT = 2;
/**
 * Order of transmission (and of queueing), and the publish() handle: 32 bits, as the journal
 * saves them (read unsigned; they wrap after 2^32 messages).
 */
const SEQ = 3;
const HANDLE = 4;
const STRIDE = 5;
// The flags word: the RecordState (bits 0-3), the QoS (bits 4-5), the streamed mark, the packet id (bits 8-23).
const STATE = 15;
const QOS_SHIFT = 4;
/** A streamed PUBLISH (publishStream): the store keeps its head only, the payload went straight to the send buffer. */
const STREAMED = 1 << 6;
const ID_SHIFT = 8;
const LOW = 0xff;
/** The store's counters, before the per-slot numbers: records held until CONNACK, then per list its first, last and count. */
const HELD = 0;
const LISTS = 1;
const FIRST = 0;
const LAST = 1;
const COUNT = 2;
const HEAD = LISTS + 3 * 3;
/** In MessageStore.t: the next order number and handle, then per slot when it was queued (ms, for message expiry). */
const NEXT_SEQ = 0;
const TIME = 1;

/** What a MessageStore takes from a Memory. */
export function storeMemory(slots: number, bytes: number): number {
  return arenaMemory(bytes, slots, HEAD + slots * STRIDE) + viewBytes(slots > 0 ? 1 + slots : 0, 8);
}

/** The list a record in state s belongs to, or -1 (Free). */
function listOf(s: number): number {
  if (s === RecordState.Free) return -1;
  if (s === RecordState.Queued) return StoreList.Queue;
  return isDue(s) ? StoreList.Due : StoreList.Waiting;
}

/**
 * The per-slot values and counters live in typed arrays (in XS every property is a heap
 * slot, a number in a typed array none), read and written through the methods below. With no
 * slots both arrays are empty and shared: nothing is ever written then (add() finds no slot).
 */
export class MessageStore {
  arena: ByteArena;
  t: Float64Array;
  /** The arena's ints, and where the store's start in them: indexed directly on the send path (stack depth on XS). */
  n: Int32Array;
  base: number;

  constructor(slots: number, bytes: number, mem: Memory | null = null) {
    this.arena = new ByteArena(bytes, slots, mem, HEAD + slots * STRIDE);
    this.t = f64(mem, slots > 0 ? 1 + slots : 0);
    this.n = this.arena.r;
    this.base = arenaInts(slots);
    if (slots > 0) {
      this.t[NEXT_SEQ] = 1;
      for (let l = 0; l < 3; l++) {
        this.n[this.base + LISTS + 3 * l + FIRST] = -1;
        this.n[this.base + LISTS + 3 * l + LAST] = -1;
      }
    }
  }

  /** Number of slots. */
  get slots(): number { return this.arena.r[ARENA_SLOTS] | 0; }
  get nextSeq(): number { return this.t.length > 0 ? this.t[NEXT_SEQ] : 1; }
  get queued(): number { return this.count(StoreList.Queue); }
  get inflight(): number { return this.count(StoreList.Due) + this.count(StoreList.Waiting); }
  /** Records from an earlier connection held until CONNACK. */
  get held(): number { return this.n[this.base + HELD] | 0; }
  /** Inflight records sent on this connection and not yet acknowledged. */
  get onWire(): number { return this.count(StoreList.Waiting) - this.held; }

  /** Records in list l. */
  count(l: number): number { return this.n[this.base + LISTS + 3 * l + COUNT] | 0; }
  /** The first record of list l (the earliest sent or queued), or -1. */
  first(l: number): number { return this.n.length > 0 ? this.n[this.base + LISTS + 3 * l + FIRST] : -1; }
  /** The record after slot in its list, or -1. */
  after(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + NEXT]; }

  state(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + FLAGS] & STATE; }
  qos(slot: number): number { return (this.n[this.base + HEAD + slot * STRIDE + FLAGS] >> QOS_SHIFT) & 3; }
  packetId(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + FLAGS] >>> ID_SHIFT; }
  expiry(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + EXPIRY]; }
  setExpiry(slot: number, v: number): void { this.n[this.base + HEAD + slot * STRIDE + EXPIRY] = v; }
  streamed(slot: number): number { return (this.n[this.base + HEAD + slot * STRIDE + FLAGS] & STREAMED) !== 0 ? 1 : 0; }
  setStreamed(slot: number, v: number): void {
    const i = this.base + HEAD + slot * STRIDE + FLAGS;
    this.n[i] = v !== 0 ? this.n[i] | STREAMED : this.n[i] & ~STREAMED;
  }

  seq(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + SEQ] >>> 0; }
  handle(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + HANDLE] >>> 0; }
  time(slot: number): number { return this.t[TIME + slot]; }

  /**
   * Applies event to slot's record (nextState): its new state, or UNEXPECTED (nothing changed).
   * A record whose exchange ends (Free) is the caller's to remove(), after reading its handle.
   */
  apply(slot: number, event: number): number {
    const f = this.n[this.base + HEAD + slot * STRIDE + FLAGS];
    // A tail call (stack depth on XS: the driver's header).
    return this.enter(slot, nextState(f & STATE, event, (f >> QOS_SHIFT) & 3));
  }

  /** move() unless s is UNEXPECTED, Free (the caller removes) or the state already: s. */
  private enter(slot: number, s: number): number {
    if (s !== UNEXPECTED && s !== RecordState.Free && s !== this.state(slot)) this.move(slot, s);
    return s;
  }

  /** Sets slot's state, moving it between lists (in seq order) and keeping the counters. */
  private move(slot: number, s: number): void {
    const n = this.n;
    const f = this.base + HEAD + slot * STRIDE + FLAGS;
    const old = n[f] & STATE;
    const from = listOf(old);
    const to = listOf(s);
    if (s === RecordState.Queued) {
      // A queued message gets a new packet id when it is sent.
      n[f] &= LOW;
    }
    if (isHeld(old)) n[this.base + HELD]--;
    if (isHeld(s)) n[this.base + HELD]++;
    n[f] = (n[f] & ~STATE) | s;
    if (from === to) return;
    if (from >= 0) this.unlink(slot, from);
    if (to >= 0) this.link(slot, to);
  }

  private unlink(slot: number, l: number): void {
    const n = this.n;
    const h = this.base + HEAD;
    const list = this.base + LISTS + 3 * l;
    let prev = -1;
    let i = n[list + FIRST];
    while (i >= 0 && i !== slot) {
      prev = i;
      i = n[h + i * STRIDE + NEXT];
    }
    if (i < 0) return;
    const next = n[h + slot * STRIDE + NEXT];
    if (prev >= 0) n[h + prev * STRIDE + NEXT] = next;
    else n[list + FIRST] = next;
    if (next < 0) n[list + LAST] = prev;
    n[list + COUNT]--;
  }

  /** Appends slot, just numbered (the highest seq), to list l. */
  private append(slot: number, l: number): void {
    const n = this.n;
    const h = this.base + HEAD;
    const list = this.base + LISTS + 3 * l;
    const last = n[list + LAST];
    n[h + slot * STRIDE + NEXT] = -1;
    if (last >= 0) n[h + last * STRIDE + NEXT] = slot;
    else n[list + FIRST] = slot;
    n[list + LAST] = slot;
    n[list + COUNT]++;
  }

  /** Inserts slot into list l by its seq: at the end (no walk) when it is the latest, as it mostly is. */
  private link(slot: number, l: number): void {
    const n = this.n;
    const h = this.base + HEAD;
    const list = this.base + LISTS + 3 * l;
    const seq = n[h + slot * STRIDE + SEQ] >>> 0;
    const last = n[list + LAST];
    if (last < 0 || n[h + last * STRIDE + SEQ] >>> 0 < seq) return this.append(slot, l);
    let prev = -1;
    let i = n[list + FIRST];
    while (i >= 0 && n[h + i * STRIDE + SEQ] >>> 0 < seq) {
      prev = i;
      i = n[h + i * STRIDE + NEXT];
    }
    n[h + slot * STRIDE + NEXT] = i;
    if (prev >= 0) n[h + prev * STRIDE + NEXT] = slot;
    else n[list + FIRST] = slot;
    n[list + COUNT]++;
  }

  /** A queued entry of n bytes: its slot, or -1 (no slot or no bytes). The bytes are at arena.off(slot). */
  add(n: number, qos: number, now: number): number {
    let slot = -1;
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) === RecordState.Free) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return -1;
    if (this.arena.place(slot, n) < 0) return -1;
    const b = this.base + HEAD + slot * STRIDE;
    const r = this.n;
    r[b + FLAGS] = RecordState.Queued | (qos << QOS_SHIFT);
    r[b + EXPIRY] = -1;
    const t = this.t;
    r[b + HANDLE] = t[NEXT_SEQ];
    r[b + SEQ] = t[NEXT_SEQ]++;
    t[TIME + slot] = now;
    // No further call: publish() may run deep in a handler (stack depth on XS).
    const list = this.base + LISTS + 3 * StoreList.Queue;
    const last = r[list + LAST];
    r[b + NEXT] = -1;
    if (last >= 0) r[this.base + HEAD + last * STRIDE + NEXT] = slot;
    else r[list + FIRST] = slot;
    r[list + LAST] = slot;
    r[list + COUNT]++;
    return slot;
  }

  /** Gives a queued entry a packet identifier (QoS 1/2): its PUBLISH is due, after every other due. */
  promote(slot: number, packetId: number): void {
    const n = this.n;
    const b = this.base + HEAD + slot * STRIDE;
    this.unlink(slot, StoreList.Queue);
    n[b + FLAGS] = (n[b + FLAGS] & LOW & ~STATE) | nextState(RecordState.Queued, RecordEvent.Promote, 0) | (packetId << ID_SHIFT);
    n[b + SEQ] = this.t[NEXT_SEQ]++;
    this.append(slot, StoreList.Due);
  }

  /** PUBREC received: the PUBLISH bytes are no longer needed; PUBREL is now due, in PUBREC order (MQTT-4.6.0-4). */
  released(slot: number): void {
    const n = this.n;
    const b = this.base + HEAD + slot * STRIDE;
    const old = n[b + FLAGS] & STATE;
    this.arena.release(slot);
    this.unlink(slot, listOf(old));
    if (isHeld(old)) n[this.base + HELD]--;
    n[b + FLAGS] = (n[b + FLAGS] & ~STATE) | nextState(old, RecordEvent.Pubrec, 2);
    n[b + SEQ] = this.t[NEXT_SEQ]++;
    this.append(slot, StoreList.Due);
  }

  remove(slot: number): void {
    if (this.state(slot) === RecordState.Free) return;
    this.move(slot, RecordState.Free);
    this.arena.release(slot);
  }

  /**
   * Sets slot as a saved record says (restoring after power loss): state, QoS, packet id, order
   * and handle; its time is 0 (the clock's start: an expiry counts again from the restart).
   * len >= 0 gives a slot that holds a PUBLISH new bytes (their offset is returned for the
   * caller to fill), -1 keeps the bytes it has. Returns -1 when the bytes do not fit or are missing.
   */
  /* cold */
  restore(slot: number, state: number, qos: number, packetId: number, seq: number, handle: number, expiry: number, len: number): number {
    const old = this.state(slot);
    const needsBytes = state === RecordState.Queued || state === RecordState.PubAckPending || state === RecordState.PubRecPending;
    const keep = len < 0 && needsBytes && old !== RecordState.Free && this.arena.len(slot) >= 0;
    this.move(slot, RecordState.Free);
    if (!keep) this.arena.release(slot);
    const b = this.base + HEAD + slot * STRIDE;
    this.n[b + FLAGS] = 0;
    if (state === RecordState.Free) return 0;
    if (needsBytes && !keep && (len < 0 || this.arena.place(slot, len) < 0)) return -1;
    this.n[b + FLAGS] = qos << QOS_SHIFT;
    this.n[b + EXPIRY] = expiry;
    const t = this.t;
    this.n[b + SEQ] = seq;
    this.n[b + HANDLE] = handle;
    t[TIME + slot] = 0;
    if (seq >= t[NEXT_SEQ]) t[NEXT_SEQ] = seq + 1;
    if (handle >= t[NEXT_SEQ]) t[NEXT_SEQ] = handle + 1;
    this.move(slot, state);
    this.n[b + FLAGS] = (this.n[b + FLAGS] & LOW) | (packetId << ID_SHIFT);
    return needsBytes ? this.arena.off(slot) : 0;
  }

  /** Order numbers and handles continue from at least next (restoring). */
  /* cold */
  restoreNextSeq(next: number): void {
    if (this.t.length > 0 && next > this.t[NEXT_SEQ]) this.t[NEXT_SEQ] = next;
  }

  /** The inflight entry with this packet id, or -1. */
  find(packetId: number): number {
    for (let i = this.first(StoreList.Waiting); i >= 0; i = this.after(i)) if (this.packetId(i) === packetId) return i;
    for (let i = this.first(StoreList.Due); i >= 0; i = this.after(i)) if (this.packetId(i) === packetId) return i;
    return -1;
  }

  /** The earliest queued entry (of QoS 0 only, when qos0Only), or -1. */
  firstQueued(qos0Only: boolean): number {
    let i = this.first(StoreList.Queue);
    if (qos0Only) while (i >= 0 && this.qos(i) !== 0) i = this.after(i);
    return i;
  }

  /** The earliest inflight entry (PUBLISH or PUBREL) due for transmission, or -1. */
  firstDue(): number {
    return this.first(StoreList.Due);
  }
}
