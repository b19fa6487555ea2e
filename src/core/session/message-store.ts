// Outbound messages the session keeps: the offline queue (not yet sent) and the inflight table
// (QoS 1/2 sent, awaiting acknowledgement). One store for both, because a message moves from
// one to the other and its bytes (the whole encoded PUBLISH, copied from the caller) need not
// move. Order of first transmission is kept in `seq`, for resending in order (MQTT-4.6.0-1).
import { ARENA_SLOTS, arenaInts, arenaMemory, ByteArena } from './arena.js';
import { f64, Memory, viewBytes } from '../codec/memory.js';

export const enum EntryState {
  Free = 0,
  /** In the offline queue: not sent yet, no packet identifier. */
  Queued = 1,
  /** QoS 1/2 PUBLISH sent, awaiting PUBACK or PUBREC. */
  AwaitAck = 2,
  /** PUBREL sent, awaiting PUBCOMP (the PUBLISH bytes are released). */
  AwaitComp = 3,
}

/**
 * Per-slot numbers, STRIDE to a slot after the store's counters, in the arena's r (one typed
 * array, not two): the flags word, the packet id, the MQTT 5 Message Expiry Interval it was
 * published with (seconds, -1 for none: read without decoding the stored packet).
 */
const FLAGS = 0;
const PACKET_ID = 1;
const EXPIRY = 2;
const STRIDE = 3;
// The flags word: the EntryState (bits 0-1), the QoS (bits 2-3) and four flags.
const QOS_SHIFT = 2;
/** The packet must be (re)transmitted on this connection. */
const RESEND = 1 << 4;
/** It was sent on an earlier connection (PUBLISH goes out again with DUP). */
const DUP = 1 << 5;
/** An inflight entry carried over from an earlier connection (until CONNACK decides). */
const CARRIED = 1 << 6;
/** A streamed PUBLISH (publishStream): the store keeps its head only, the payload went straight to the send buffer. */
const STREAMED = 1 << 7;
/** The store's counters, before the per-slot numbers. */
const QUEUED = 0;
const QUEUED_BYTES = 1;
const INFLIGHT = 2;
const HEAD = 3;
/** Per-slot times and counters, TSTRIDE to a slot in MessageStore.t after NEXT_SEQ: order of transmission (and of queueing), the publish() handle, when it was queued (ms, for message expiry). */
const NEXT_SEQ = 0;
const SEQ = 1;
const HANDLE = 2;
const TIME = 3;
const TSTRIDE = 3;

/** What a MessageStore takes from a Memory. */
export function storeMemory(slots: number, bytes: number): number {
  return arenaMemory(bytes, slots, HEAD + slots * STRIDE) + viewBytes(slots > 0 ? 1 + slots * TSTRIDE : 0, 8);
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
    this.t = f64(mem, slots > 0 ? 1 + slots * TSTRIDE : 0);
    this.n = this.arena.r;
    this.base = arenaInts(slots);
    if (slots > 0) this.t[NEXT_SEQ] = 1;
  }

  /** Number of slots. */
  get slots(): number { return this.arena.r[ARENA_SLOTS] | 0; }
  get nextSeq(): number { return this.t.length > 0 ? this.t[NEXT_SEQ] : 1; }
  get queued(): number { return this.n[this.base + QUEUED] | 0; }
  get queuedBytes(): number { return this.n[this.base + QUEUED_BYTES] | 0; }
  get inflight(): number { return this.n[this.base + INFLIGHT] | 0; }


  state(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + FLAGS] & 3; }
  qos(slot: number): number { return (this.n[this.base + HEAD + slot * STRIDE + FLAGS] >> QOS_SHIFT) & 3; }
  packetId(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + PACKET_ID]; }
  resend(slot: number): number { return this.flag(slot, RESEND); }
  setResend(slot: number, v: number): void { this.setFlag(slot, RESEND, v); }
  dup(slot: number): number { return this.flag(slot, DUP); }
  setDup(slot: number, v: number): void { this.setFlag(slot, DUP, v); }
  carried(slot: number): number { return this.flag(slot, CARRIED); }
  setCarried(slot: number, v: number): void { this.setFlag(slot, CARRIED, v); }
  expiry(slot: number): number { return this.n[this.base + HEAD + slot * STRIDE + EXPIRY]; }
  setExpiry(slot: number, v: number): void { this.n[this.base + HEAD + slot * STRIDE + EXPIRY] = v; }
  streamed(slot: number): number { return this.flag(slot, STREAMED); }
  setStreamed(slot: number, v: number): void { this.setFlag(slot, STREAMED, v); }

  /** 1 when the flag is set for slot, else 0. */
  private flag(slot: number, bit: number): number {
    return (this.n[this.base + HEAD + slot * STRIDE + FLAGS] & bit) !== 0 ? 1 : 0;
  }

  private setFlag(slot: number, bit: number, v: number): void {
    const i = this.base + HEAD + slot * STRIDE + FLAGS;
    this.n[i] = v !== 0 ? this.n[i] | bit : this.n[i] & ~bit;
  }

  seq(slot: number): number { return this.t[slot * TSTRIDE + SEQ]; }
  handle(slot: number): number { return this.t[slot * TSTRIDE + HANDLE]; }
  time(slot: number): number { return this.t[slot * TSTRIDE + TIME]; }

  private set(slot: number, state: number, packetId: number, resend: number): void {
    const n = this.n;
    const b = this.base + HEAD + slot * STRIDE;
    n[b + FLAGS] = (n[b + FLAGS] & ~(3 | RESEND)) | state | (resend !== 0 ? RESEND : 0);
    n[b + PACKET_ID] = packetId;
  }

  /** Adds d to one of the store's counters. */
  private count(which: number, d: number): void {
    this.n[this.base + which] += d;
  }

  private setSeq(slot: number): void {
    const t = this.t;
    t[slot * TSTRIDE + SEQ] = t[NEXT_SEQ]++;
  }

  /** A queued entry of n bytes: its slot, or -1 (no slot or no bytes). The bytes are at arena.off(slot). */
  add(n: number, qos: number, now: number): number {
    let slot = -1;
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) === EntryState.Free) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return -1;
    if (this.arena.place(slot, n) < 0) return -1;
    const b = this.base + HEAD + slot * STRIDE;
    const r = this.n;
    // A fresh entry: only the carried mark stays (connectionMade sets it for every slot).
    r[b + FLAGS] = (r[b + FLAGS] & CARRIED) | EntryState.Queued | (qos << QOS_SHIFT);
    r[b + PACKET_ID] = 0;
    r[b + EXPIRY] = -1;
    const t = slot * TSTRIDE;
    this.t[t + HANDLE] = this.t[NEXT_SEQ];
    this.t[t + TIME] = now;
    this.setSeq(slot);
    this.count(QUEUED, 1);
    this.count(QUEUED_BYTES, n);
    return slot;
  }

  /** Moves a queued entry into the inflight table with a packet identifier (QoS 1/2). */
  promote(slot: number, packetId: number): void {
    this.count(QUEUED, -1);
    this.count(QUEUED_BYTES, -this.arena.len(slot));
    this.set(slot, EntryState.AwaitAck, packetId, 1);
    this.setSeq(slot);
    this.count(INFLIGHT, 1);
  }

  /** PUBREC received: the PUBLISH bytes are no longer needed; PUBREL is now due, in PUBREC order (MQTT-4.6.0-4). */
  released(slot: number): void {
    this.arena.release(slot);
    this.set(slot, EntryState.AwaitComp, this.packetId(slot), 1);
    this.setSeq(slot);
  }

  /** Puts an inflight entry back in the queue (the server has no session): it will get a new packet id. */
  requeue(slot: number): void {
    this.count(INFLIGHT, -1);
    this.set(slot, EntryState.Queued, 0, 0);
    this.setDup(slot, 0);
    this.count(QUEUED, 1);
    this.count(QUEUED_BYTES, this.arena.len(slot));
  }

  remove(slot: number): void {
    const s = this.state(slot);
    if (s === EntryState.Free) return;
    if (s === EntryState.Queued) {
      this.count(QUEUED, -1);
      this.count(QUEUED_BYTES, -this.arena.len(slot));
    } else {
      this.count(INFLIGHT, -1);
    }
    this.arena.release(slot);
    this.n[this.base + HEAD + slot * STRIDE + FLAGS] &= ~3;
  }

  /**
   * Sets slot as a saved record says (restoring after power loss): state, QoS, packet id, order
   * and handle; its time is 0 (the clock's start: an expiry counts again from the restart).
   * len >= 0 gives a Queued or AwaitAck slot new bytes (their offset is returned for the caller
   * to fill), -1 keeps the bytes it has. Returns -1 when the bytes do not fit or are missing.
   */
  /* cold */
  restore(slot: number, state: number, qos: number, packetId: number, seq: number, handle: number, expiry: number, len: number): number {
    const old = this.state(slot);
    const needsBytes = state === EntryState.Queued || state === EntryState.AwaitAck;
    const keep = len < 0 && needsBytes && old !== EntryState.Free && this.arena.len(slot) >= 0;
    if (old === EntryState.Queued) {
      this.count(QUEUED, -1);
      this.count(QUEUED_BYTES, -this.arena.len(slot));
    } else if (old !== EntryState.Free) {
      this.count(INFLIGHT, -1);
    }
    if (!keep) this.arena.release(slot);
    const b = this.base + HEAD + slot * STRIDE;
    this.n[b + FLAGS] = 0;
    if (state === EntryState.Free) return 0;
    if (needsBytes && !keep && (len < 0 || this.arena.place(slot, len) < 0)) return -1;
    this.n[b + FLAGS] = state | (qos << QOS_SHIFT);
    this.n[b + PACKET_ID] = packetId;
    this.n[b + EXPIRY] = expiry;
    const t = this.t;
    t[slot * TSTRIDE + SEQ] = seq;
    t[slot * TSTRIDE + HANDLE] = handle;
    t[slot * TSTRIDE + TIME] = 0;
    if (seq >= t[NEXT_SEQ]) t[NEXT_SEQ] = seq + 1;
    if (handle >= t[NEXT_SEQ]) t[NEXT_SEQ] = handle + 1;
    if (state === EntryState.Queued) {
      this.count(QUEUED, 1);
      this.count(QUEUED_BYTES, this.arena.len(slot));
    } else {
      this.count(INFLIGHT, 1);
    }
    return needsBytes ? this.arena.off(slot) : 0;
  }

  /** Order numbers and handles continue from at least next (restoring). */
  /* cold */
  restoreNextSeq(next: number): void {
    if (this.t.length > 0 && next > this.t[NEXT_SEQ]) this.t[NEXT_SEQ] = next;
  }

  /** The inflight entry with this packet id, or -1. */
  find(packetId: number): number {
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) >= EntryState.AwaitAck && this.packetId(i) === packetId) return i;
    }
    return -1;
  }

  /** The earliest queued entry (of QoS 0 only, when qos0Only), or -1. */
  firstQueued(qos0Only: boolean): number {
    let pick = -1;
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) !== EntryState.Queued || (qos0Only && this.qos(i) !== 0)) continue;
      if (pick < 0 || this.seq(i) < this.seq(pick)) pick = i;
    }
    return pick;
  }

  /** The earliest inflight entry (PUBLISH or PUBREL) due for transmission, or -1. */
  firstDue(): number {
    let pick = -1;
    for (let i = 0, end = this.slots; i < end; i++) {
      if (this.state(i) < EntryState.AwaitAck || this.resend(i) === 0) continue;
      if (pick < 0 || this.seq(i) < this.seq(pick)) pick = i;
    }
    return pick;
  }
}
